// Bare downloaders for the network benchmarks: SHA-256 of each chunk, one file per download written
// as it comes, hash checked at the end, nothing flushed or renamed (no durability at all).
// `bareNodeFetch` uses node:http and `createWriteStream`: what plain Node costs here. `bareClientFetch`
// uses the cache's own HTTP client (cache/http-get.ts): what the cache would cost without its
// durability and bookkeeping.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { FileHttpClient } from '../cache/http-get';

export interface BareFile {
  sha256: string;
}

export async function bareNodeFetch(
  url: string,
  apiKey: string,
  files: readonly BareFile[],
  dir: string,
  concurrency: number,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
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
          res.on('end', () =>
            sink.end(() =>
              hash.digest('hex') === file.sha256
                ? resolve()
                : reject(new Error(`bare fetch: ${file.sha256} arrived wrong`)),
            ),
          );
        })
        .on('error', reject);
    });
  try {
    await eachAtMost(concurrency, files, (file, i) => one(file, path.join(dir, `${i}.bin`)));
  } finally {
    agent.destroy();
  }
}

export async function bareClientFetch(
  url: string,
  apiKey: string,
  files: readonly BareFile[],
  dir: string,
  concurrency: number,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const client = new FileHttpClient({ idleConnections: concurrency });
  const signal = new AbortController().signal;
  const one = async (file: BareFile, out: string) => {
    const response = await client.get(`${url}/v3/files/${file.sha256}`, {
      headers: { 'x-api-key': apiKey },
      signal,
      headersTimeoutMs: 15_000,
      stallTimeoutMs: 30_000,
    });
    const hash = createHash('sha256');
    const handle = await open(out, 'w');
    const parts: Buffer[] = [];
    try {
      // The client reuses its read buffer, so each piece is copied; one write at the end (1 MB files).
      await response.readBody((chunk) => {
        hash.update(chunk);
        parts.push(Buffer.from(chunk));
        return undefined;
      });
      await handle.writev(parts);
    } finally {
      await handle.close();
    }
    if (hash.digest('hex') !== file.sha256) throw new Error(`bare client fetch: ${file.sha256} arrived wrong`);
  };
  try {
    await eachAtMost(concurrency, files, (file, i) => one(file, path.join(dir, `${i}.bin`)));
  } finally {
    client.close();
  }
}

/** Runs `work` on every item, at most `concurrency` at a time, in list order. */
async function eachAtMost<T>(
  concurrency: number,
  items: readonly T[],
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
