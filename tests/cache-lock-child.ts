// Child process of cache-lock.test.ts. Arguments: <mode> <root>.
//   app:  opens the cache as the app does (taking the root's lock), prints `ready <pid>`, closes it
//         when its stdin ends.
//   race: tries to take the lock once, prints `taken` or `held <pid>`, releases when stdin ends.
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { CacheLockedError, acquireCacheLock } from '../cache/lock';
import { openCache } from '../cache/service';

const [mode, root] = process.argv.slice(2);
if (!root || (mode !== 'app' && mode !== 'race')) {
  process.stderr.write('usage: cache-lock-child app|race <root>\n');
  process.exit(2);
}
const stdinEnded = new Promise<void>((resolve) => {
  process.stdin.on('end', resolve).on('close', resolve);
  process.stdin.resume();
});
if (mode === 'app') {
  const cache = await openCache({
    root,
    source: staticFileSource([], null),
    logger: silentLogger(),
    periodMs: 3_600_000,
  });
  process.stdout.write(`ready ${process.pid}\n`);
  await stdinEnded;
  await cache.close();
} else {
  try {
    const lock = await acquireCacheLock(root, { role: 'prefetch' });
    process.stdout.write('taken\n');
    await stdinEnded;
    await lock.release();
  } catch (err) {
    if (!(err instanceof CacheLockedError)) throw err;
    process.stdout.write(`held ${err.holder.pid}\n`);
  }
}
process.exit(0);
