// The floor of any Node downloader on this machine, for the network benchmarks: node:http GETs with
// keep-alive, SHA-256 of each chunk, `createWriteStream` into one file per download, hash checked at
// the end, and nothing flushed or renamed (no durability at all). What it costs against curl is what
// Node itself costs here, before any of the cache's work.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

export interface BareFile {
  sha256: string;
}

export async function bareNodeFetch(url: string, apiKey: string, files: readonly BareFile[], dir: string, concurrency: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const one = (file: BareFile, out: string) =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${url}/v3/files/${file.sha256}`, { agent, headers: { 'x-api-key': apiKey } }, (res) => {
          const hash = createHash('sha256');
          const sink = createWriteStream(out);
          res.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            if (!sink.write(chunk)) {
              res.pause();
              sink.once('drain', () => res.resume());
            }
          });
          res.on('error', reject);
          res.on('end', () => sink.end(() => (hash.digest('hex') === file.sha256 ? resolve() : reject(new Error(`bare fetch: ${file.sha256} arrived wrong`)))));
        })
        .on('error', reject);
    });
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < files.length) {
          const i = next++;
          await one(files[i]!, path.join(dir, `${i}.bin`));
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}
