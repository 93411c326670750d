import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** 4 MiB: large enough that hashing and writing run near their in-memory speed (DESIGN §6). */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

export class BodyTooLongError extends Error {
  override name = 'BodyTooLongError';
}

/** A failed write to the temp file (as opposed to a failed read from the network). */
export class DiskWriteError extends Error {
  override name = 'DiskWriteError';
  constructor(readonly code: string | undefined, options: { cause: unknown }) {
    super(`writing the temp file failed${code ? ` (${code})` : ''}`, options);
  }
}

/**
 * Streams a response body into a temp file and a running SHA-256 in one pass. Network chunks are
 * coalesced into one of two large buffers; one is written while the other fills, so memory stays at
 * two chunks whatever the file size. The hash always covers exactly the bytes written at [0, offset).
 */
export class BodySink {
  private filling: Buffer;
  private spare: Buffer;
  private fill = 0;
  private pendingWrite: Promise<void> = Promise.resolve();
  private writeError: unknown = null;

  constructor(
    private readonly handle: FileHandle,
    private hash: Hash,
    public offset: number,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    this.filling = Buffer.allocUnsafe(chunkSize);
    this.spare = Buffer.allocUnsafe(chunkSize);
  }

  /** Bytes accepted so far, including those still in the buffer. */
  get received(): number {
    return this.offset + this.fill;
  }

  /**
   * Pumps the body until it ends. `limit` (the expected total size) stops a server that sends more
   * than it should before it can fill the disk. `onFlush` runs after each large write is queued.
   */
  async pump(body: AsyncIterable<Buffer>, limit: number | null, onFlush: (received: number) => void): Promise<void> {
    for await (const chunk of body) {
      if (limit !== null && this.received + chunk.length > limit) {
        throw new BodyTooLongError(`the server sent more than the expected ${limit} bytes`);
      }
      let pos = 0;
      while (pos < chunk.length) {
        const n = Math.min(chunk.length - pos, this.chunkSize - this.fill);
        chunk.copy(this.filling, this.fill, pos, pos + n);
        this.fill += n;
        pos += n;
        if (this.fill === this.chunkSize) {
          await this.flush();
          onFlush(this.offset);
        }
      }
    }
  }

  /** Hashes and writes what is buffered, then waits for every write; rethrows a write error. */
  async drain(): Promise<void> {
    if (this.writeError === null) await this.flush();
    await this.pendingWrite;
    if (this.writeError !== null) throw this.writeError;
  }

  /** The digest of [0, offset) without ending the running hash. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const buffer = this.filling;
    const length = this.fill;
    const position = this.offset;
    // Hashing this buffer overlaps the previous buffer's write; a write error aborts the download anyway.
    this.hash.update(buffer.subarray(0, length));
    await this.pendingWrite;
    if (this.writeError !== null) throw this.writeError;
    this.offset += length;
    this.pendingWrite = writeFully(this.handle, buffer, length, position).catch((err: unknown) => {
      this.writeError = new DiskWriteError((err as NodeJS.ErrnoException).code, { cause: err });
    });
    this.filling = this.spare;
    this.spare = buffer;
    this.fill = 0;
  }
}

async function writeFully(handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await handle.write(buffer, done, length - done, position + done);
    done += bytesWritten;
  }
}
