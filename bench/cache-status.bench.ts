// `cache.status` of 10,000 hashes (5,000 present, 5,000 missing) and an idle sync tick over 5,000
// present entries, both from memory. `npm run bench -- cache-status`.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { openCache } from '../cache/service';
import { seedJournaledEntries } from '../tests/support/cache-harness';

const root = await mkdtemp(path.join(os.tmpdir(), 'aether-status-'));
try {
  const present = await seedJournaledEntries(root, 5000);
  const missing = Array.from({ length: 5000 }, (_, i) => createHash('sha256').update(`missing ${i}`).digest('hex'));
  const hashes = [...present, ...missing];

  const openStarted = performance.now();
  const cache = await openCache({
    root,
    source: staticFileSource(['http://127.0.0.1:9'], null),
    logger: silentLogger(),
    periodMs: 3_600_000,
  });
  const openMs = performance.now() - openStarted;
  cache.ensure({ files: present.map((sha256) => ({ sha256 })) });
  cache.start();

  const statusMs: number[] = [];
  for (let i = 0; i < 50; i += 1) {
    const t = performance.now();
    cache.status(hashes);
    statusMs.push(performance.now() - t);
  }
  const tickUs: number[] = [];
  for (let i = 0; i < 200; i += 1) {
    const t = performance.now();
    cache.loop.tick();
    tickUs.push((performance.now() - t) * 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`open (one walk of 5,000 entries + journal): ${openMs.toFixed(0)} ms`);
  console.log(
    `cache.status of 10,000 hashes: median ${median(statusMs).toFixed(2)} ms, max ${Math.max(...statusMs).toFixed(2)} ms over 50 runs (goal < 100 ms)`,
  );
  console.log(
    `idle sync tick over 5,000 entries: median ${median(tickUs).toFixed(0)} µs, max ${Math.max(...tickUs).toFixed(0)} µs over 200 ticks`,
  );
  await cache.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
