import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes gathered before one write: large enough that a write is one syscall per MiB, small enough
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

/**
 * Batch buffers of finished downloads, kept for the next ones: each download used to allocate its
 * own (one 1 MiB buffer per 1 MB file), and at a sync's pace that external memory drove the GCs that
 * showed as event-loop delay (open under load, docs/BENCHMARKS.md). Bounded: what a few concurrent
 * downloads hold at once, a few MiB for the life of the process.
 */
const SHARED_SPARES_MAX = 8;
const sharedSpares = new Map<number, Buffer[]>();

function takeSpare(bytes: number): Buffer | undefined {
  return sharedSpares.get(bytes)?.pop();
}

function giveSpares(buffers: readonly Buffer[]): void {
  for (const buffer of buffers) {
    const spares = sharedSpares.get(buffer.length) ?? [];
    if (spares.length >= SHARED_SPARES_MAX) return;
    spares.push(buffer);
    sharedSpares.set(buffer.length, spares);
  }
}

/** How many batch buffers wait for the next download (tests: the pool is bounded and reused). */
export function sharedSpareCount(bytes = DEFAULT_WRITE_BATCH_BYTES): number {
  return sharedSpares.get(bytes)?.length ?? 0;
}

export class BodyTooLongError extends Error {
  override name = 'BodyTooLongError';
}

/** A failed write to the temp file (as opposed to a failed read from the network). */
export class DiskWriteError extends Error {
  override name = 'DiskWriteError';
  constructor(
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(`writing the temp file failed${code ? ` (${code})` : ''}`, options);
  }
}

/**
 * Streams a response body into a temp file and a running SHA-256 in one pass. Each piece of body is
 * hashed as it arrives and copied into a batch buffer (the HTTP client reads into one reused buffer),
 * which one write puts at its offset while the next batch gathers. At most `writesInFlight` batches
 * are being written: when the disk is slower than the network the body waits, so memory is bounded
 * by about `(writesInFlight + 2) × batchBytes` whatever the file size, and batch buffers are reused.
 *
 * `offset` is the end of the bytes that are both hashed and handed to a write; after `drain()` they
 * are all on the file, so the hash covers exactly [0, offset) of the file (what a resume relies on).
 */
export class BodySink {
  private batch: Buffer | null = null;
  private batchFill = 0;
  private readonly spare: Buffer[] = [];
  private readonly writes: Promise<void>[] = [];
  private inFlightBytes = 0;
  private writeError: DiskWriteError | null = null;
  private writeback: Promise<void> | null = null;
  private writtenSinceWriteback = 0;
  /** The most bytes this sink has held at once (gathering + being written): what bounds its memory. */
  heldHighWater = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly hash: Hash,
    public offset: number,
    private readonly options: SinkOptions = DEFAULT_SINK_OPTIONS,
  ) {}

  /** Bytes accepted so far, including those not yet handed to a write. */
  get received(): number {
    return this.offset + this.batchFill;
  }

  /**
   * The consumer of one response body (see BodyConsumer in http-get.ts). `limit` (the expected total
   * size) stops a server that sends more than it should before it can fill the disk. `onFlush` runs
   * after each batch is handed to a write. A returned promise asks the body to wait for the disk.
   */
  consumer(limit: number | null, onFlush: (received: number) => void): (chunk: Buffer) => Promise<void> | undefined {
    return (chunk) => {
      if (limit !== null && this.received + chunk.length > limit) {
        throw new BodyTooLongError(`the server sent more than the expected ${limit} bytes`);
      }
      if (this.writeError !== null) throw this.writeError;
      this.hash.update(chunk);
      let at = 0;
      let flushed = false;
      while (at < chunk.length) {
        this.batch ??=
          this.spare.pop() ?? takeSpare(this.options.batchBytes) ?? Buffer.allocUnsafeSlow(this.options.batchBytes);
        const copied = chunk.copy(this.batch, this.batchFill, at);
        at += copied;
        this.batchFill += copied;
        if (this.batchFill === this.batch.length) {
          this.flush();
          flushed = true;
        }
      }
      if (flushed) onFlush(this.offset);
      return this.writes.length >= this.options.writesInFlight ? this.room() : undefined;
    };
  }

  /** Writes what is gathered, then waits for every write; rethrows a write error. */
  async drain(): Promise<void> {
    if (this.writeError === null) this.flush();
    await this.settle();
    // A drained sink may wait long for its commit: it keeps no buffers meanwhile; the next download
    // takes them (every write that used them has ended).
    giveSpares(this.spare);
    this.spare.length = 0;
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

  /** Resolves once fewer than `writesInFlight` writes are running; rejects with a write error. */
  private async room(): Promise<void> {
    while (this.writes.length >= this.options.writesInFlight) await this.writes[0];
    if (this.writeError !== null) throw this.writeError;
  }

  private flush(): void {
    if (this.batchFill === 0 || this.batch === null) return;
    const buffer = this.batch;
    const length = this.batchFill;
    const position = this.offset;
    this.batch = null;
    this.batchFill = 0;
    this.offset += length;
    this.inFlightBytes += length;
    this.heldHighWater = Math.max(this.heldHighWater, this.inFlightBytes + buffer.length);
    const write: Promise<void> = writeFully(this.handle, buffer.subarray(0, length), position)
      .then(
        () => this.written(length, buffer),
        (err: unknown) => {
          this.inFlightBytes -= length;
          this.writeError ??= new DiskWriteError((err as NodeJS.ErrnoException).code, { cause: err });
        },
      )
      .finally(() => this.writes.splice(this.writes.indexOf(write), 1));
    this.writes.push(write);
  }

  private written(length: number, buffer: Buffer): void {
    this.inFlightBytes -= length;
    if (this.spare.length <= this.options.writesInFlight) this.spare.push(buffer);
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

async function writeFully(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
