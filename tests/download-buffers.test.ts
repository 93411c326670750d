// Open under load (issue 12): a sync of many small files must not allocate a fresh 1 MiB buffer per
// file (the GCs that caused showed as event-loop delay beside a presenter's click). Counted here on
// real sockets and real files: allocations of the big buffers, and bodies still byte for byte right.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BodySink, sharedSpareCount } from '../cache/body-sink';
import { FileHttpClient, type GetOptions } from '../cache/http-get';
import { useCleanups } from './support/cleanups';
import { rawHttpServer } from './support/raw-http-server';

const cleanups = useCleanups();

afterEach(() => {
  vi.restoreAllMocks();
});

function options(): GetOptions {
  return { headers: {}, signal: new AbortController().signal, headersTimeoutMs: 5_000, stallTimeoutMs: 5_000 };
}

/** A raw server that answers each request with its head and its body in one write (they arrive in one read). */
function oneWriteServer(bodies: Buffer[]) {
  return rawHttpServer(cleanups, (socket, n) => {
    const body = bodies[(n - 1) % bodies.length]!;
    socket.write(
      Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'), body]),
    );
  });
}

describe('buffers reused across downloads', () => {
  it('reads 20 responses over one connection with two read buffers, every body intact', async () => {
    const READ_BUFFER = 256 * 1024 + 5;
    // Bodies shorter than a read, so each one arrives with its head in the buffer that is kept.
    const bodies = Array.from({ length: 4 }, (_, i) => randomBytes(10_000 + i * 1_000));
    const { url, connections } = await oneWriteServer(bodies);
    const client = new FileHttpClient({ idleConnections: 1, readBufferBytes: READ_BUFFER });
    cleanups.push(() => client.close());
    const allocations = vi.spyOn(Buffer, 'allocUnsafe');

    for (let i = 0; i < 20; i += 1) {
      const response = await client.get(url, options());
      const hash = createHash('sha256');
      // Late consumption, as the download does it: the body is read after the head resolved.
      await new Promise((r) => setImmediate(r));
      await response.readBody((chunk) => void hash.update(chunk));
      expect(hash.digest('hex')).toBe(
        createHash('sha256')
          .update(bodies[i % bodies.length]!)
          .digest('hex'),
      );
    }

    expect(connections()).toBe(1);
    expect(allocations.mock.calls.filter(([size]) => size === READ_BUFFER)).toHaveLength(2);
  });

  it('hands a drained body sink’s batch buffers to the next download, and keeps only a bounded few', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-sink-spares-'));
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    const BATCH = 64 * 1024 + 3;
    const sinkOptions = { batchBytes: BATCH, writesInFlight: 2, writebackBytes: 1024 ** 3 };
    const allocations = vi.spyOn(Buffer, 'allocUnsafeSlow');
    const download = async (i: number, bytes: Buffer) => {
      const handle = await fs.open(path.join(dir, `f${i}`), 'w');
      try {
        const sink = new BodySink(handle, createHash('sha256'), 0, sinkOptions);
        const consume = sink.consumer(bytes.length, () => undefined);
        for (let at = 0; at < bytes.length; at += 50_000) await consume(bytes.subarray(at, at + 50_000));
        await sink.drain();
        expect(sink.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
      } finally {
        await handle.close();
      }
      expect((await fs.readFile(path.join(dir, `f${i}`))).equals(bytes)).toBe(true);
    };

    // One download of ~5 batches needs at most writesInFlight + 1 buffers; the next ten take them over.
    const files = Array.from({ length: 11 }, () => randomBytes(5 * BATCH - 17));
    await download(0, files[0]!);
    const first = allocations.mock.calls.filter(([size]) => size === BATCH).length;
    for (let i = 1; i < files.length; i += 1) await download(i, files[i]!);
    expect(first).toBeLessThanOrEqual(3);
    expect(allocations.mock.calls.filter(([size]) => size === BATCH)).toHaveLength(first);

    // Many sinks drained at once (a burst of downloads) leave at most 8 buffers behind.
    const handles = await Promise.all(Array.from({ length: 12 }, (_, i) => fs.open(path.join(dir, `g${i}`), 'w')));
    try {
      const sinks = handles.map((h) => new BodySink(h, createHash('sha256'), 0, sinkOptions));
      for (const sink of sinks) await sink.consumer(null, () => undefined)(randomBytes(BATCH));
      await Promise.all(sinks.map((s) => s.drain()));
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
    expect(sharedSpareCount(BATCH)).toBe(8);
  });
});
