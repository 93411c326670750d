// Child process of crash.test.ts: syncs a list of files into a cache root and exits 0 once all are
// present. The parent kills it with SIGKILL at random moments. Arguments: <root> <baseUrl> <sha:size,...>
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { openCache } from '../cache/service';

const [root, baseUrl, list] = process.argv.slice(2);
if (!root || !baseUrl || !list) {
  process.stderr.write('usage: crash-child <root> <baseUrl> <sha:size,...>\n');
  process.exit(2);
}
const files = list.split(',').map((item) => {
  const [sha256 = '', size = '0'] = item.split(':');
  return { sha256, size: Number(size) };
});
const cache = await openCache({
  root,
  source: staticFileSource([baseUrl], null),
  logger: silentLogger(),
  periodMs: 200,
  concurrency: 3,
  transientRetryMs: 0,
});
cache.start();
cache.ensure({ files });
process.stdout.write('ready\n');
const hashes = files.map((f) => f.sha256);
const timer = setInterval(() => {
  if (cache.status(hashes).totals.present === files.length) {
    clearInterval(timer);
    void cache.close().then(() => process.exit(0));
  }
}, 20);
