import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes gathered before one `writev`: large enough that a write is one syscall per MiB, small enough
 * that memory stays a few MiB per download whatever the file size.
 */
export const DEFAULT_WRITE_BATCH_BYTES = 1024 * 1024;
/** Batches being written while the next one gathers; more only adds memory, not speed. */
export const DEFAULT_WRITES_IN_FLIGHT = 2;
/**
 * A background `datasync` is started after this many new bytes, so the disk flushes while the
 * download still runs and the `datasync` before the rename only has the tail left to write.
 */
export const DEFAULT_WRITEBACK_BYTES = 64 * 1024 * 1024;

export interface SinkOptions {
  batchBytes: number;
  writesInFlight: number;
  writebackBytes: number;
}

export const DEFAULT_SINK_OPTIONS: SinkOptions = {
  batchBytes: DEFAULT_WRITE_BATCH_BYTES,
  writesInFlight: DEFAULT_WRITES_IN_FLIGHT,
  writebackBytes: DEFAULT_WRITEBACK_BYTES,
};

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
 * Streams a response body into a temp file and a running SHA-256 in one pass. Each network chunk is
 * hashed as it arrives and kept (not copied) until a batch is gathered, which one `writev` writes at
 * its offset while the next batch gathers. At most `writesInFlight` batches are being written: when
 * the disk is slower than the network the body waits, so memory is bounded by
 * `(writesInFlight + 1) × batchBytes` plus one chunk, whatever the file size.
 *
 * `offset` is the end of the bytes that are both hashed and handed to a write; after `drain()` they
 * are all on the file, so the hash covers exactly [0, offset) of the file (what a resume relies on).
 */
export class BodySink {
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  private readonly writes: Promise<void>[] = [];
  private inFlightBytes = 0;
  private writeError: DiskWriteError | null = null;
  private writeback: Promise<void> | null = null;
  private writtenSinceWriteback = 0;
  /** The most bytes this sink has held at once (gathered + being written): what bounds its memory. */
  heldHighWater = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly hash: Hash,
    public offset: number,
    private readonly options: SinkOptions = DEFAULT_SINK_OPTIONS,
  ) {}

  /** Bytes accepted so far, including those not yet handed to a write. */
  get received(): number {
    return this.offset + this.gatheredBytes;
  }

  /**
   * Pumps the body until it ends. `limit` (the expected total size) stops a server that sends more
   * than it should before it can fill the disk. `onFlush` runs after each batch is handed to a write.
   */
  async pump(body: AsyncIterable<Buffer>, limit: number | null, onFlush: (received: number) => void): Promise<void> {
    for await (const chunk of body) {
      if (limit !== null && this.received + chunk.length > limit) {
        throw new BodyTooLongError(`the server sent more than the expected ${limit} bytes`);
      }
      this.hash.update(chunk);
      this.gathered.push(chunk);
      this.gatheredBytes += chunk.length;
      if (this.gatheredBytes >= this.options.batchBytes) {
        await this.flush();
        onFlush(this.offset);
      }
    }
  }

  /** Writes what is gathered, then waits for every write; rethrows a write error. */
  async drain(): Promise<void> {
    if (this.writeError === null) await this.flush();
    await this.settle();
    if (this.writeError !== null) throw this.writeError;
  }

  /** Waits for every write and the background flush, whatever their outcome (before a truncate or close). */
  async settle(): Promise<void> {
    await Promise.all(this.writes);
    await this.writeback;
  }

  /** The digest of [0, offset) without ending the running hash. */
  digest(): string {
    return this.hash.copy().digest('hex');
  }

  private async flush(): Promise<void> {
    if (this.gatheredBytes === 0) return;
    if (this.writeError !== null) throw this.writeError;
    const buffers = this.gathered;
    const length = this.gatheredBytes;
    const position = this.offset;
    this.gathered = [];
    this.gatheredBytes = 0;
    this.offset += length;
    this.inFlightBytes += length;
    this.heldHighWater = Math.max(this.heldHighWater, this.inFlightBytes);
    const write = writeFully(this.handle, buffers, length, position).then(
      () => this.written(length),
      (err: unknown) => {
        this.inFlightBytes -= length;
        this.writeError ??= new DiskWriteError((err as NodeJS.ErrnoException).code, { cause: err });
      },
    );
    this.writes.push(write);
    while (this.writes.length >= this.options.writesInFlight) await this.writes.shift();
    if (this.writeError !== null) throw this.writeError;
  }

  private written(length: number): void {
    this.inFlightBytes -= length;
    this.writtenSinceWriteback += length;
    if (this.writeback !== null || this.writtenSinceWriteback < this.options.writebackBytes) return;
    this.writtenSinceWriteback = 0;
    // Only an early start of the flush the commit does anyway: a failure here surfaces there.
    this.writeback = this.handle.datasync().then(
      () => {
        this.writeback = null;
      },
      () => {
        this.writeback = null;
      },
    );
  }
}

async function writeFully(handle: FileHandle, buffers: Buffer[], length: number, position: number): Promise<void> {
  const { bytesWritten } = await handle.writev(buffers, position);
  if (bytesWritten === length) return;
  const rest = Buffer.concat(buffers, length).subarray(bytesWritten);
  let done = 0;
  while (done < rest.length) {
    const result = await handle.write(rest, done, rest.length - done, position + bytesWritten + done);
    done += result.bytesWritten;
  }
}
