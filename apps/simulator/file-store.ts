import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { EventFile } from '../../contracts/api';
import type { ByteRange } from './byte-range';
import { generatedBytes, hashGenerated, type GeneratedBytes } from './generated-bytes';

/** Big chunks: SHA-256 and socket writes run at half speed with Node's default 64 KiB (DESIGN §6). */
export const STREAM_CHUNK_BYTES = 2 * 1024 * 1024;

/** The session a file belongs to (CONTRACTS.md "Additions": optional session fields). */
export interface FileSession {
  id: string;
  title: string;
  starts_at: string;
  ends_at: string;
}

/** A file whose bytes are generated from a seed (default seed: `<filename>:<size>`). */
export interface GeneratedFileSpec {
  filename: string;
  size: number;
  seed?: string;
  event_id?: string;
  session?: FileSession;
}

/** A real file on disk, streamed as it is; its hash is computed once when it is added. */
export interface DiskFileSpec {
  filename: string;
  path: string;
  event_id?: string;
  session?: FileSession;
}

export type FileSpec = GeneratedFileSpec | DiskFileSpec;

export interface StoredFile {
  record: EventFile;
  open(range: ByteRange): Readable;
}

/** Generated files carry a fixed date so two simulators advertise identical records. */
const GENERATED_UPDATED_AT = '2026-11-01T09:00:00.000Z';

export class FileStoreError extends Error {
  override name = 'FileStoreError';
}

export class FileStore {
  private readonly bySha = new Map<string, StoredFile>();
  private readonly ordered: StoredFile[] = [];

  constructor(private readonly defaultEventId: string) {}

  list(eventId?: string): EventFile[] {
    return this.ordered.filter((f) => eventId === undefined || f.record.event_id === eventId).map((f) => f.record);
  }

  get(sha256: string): StoredFile | undefined {
    return this.bySha.get(sha256);
  }

  /** Whether the event lists a file with this hash (a page session may fetch only its event's bytes). */
  listedFor(eventId: string, sha256: string): boolean {
    return this.ordered.some((f) => f.record.event_id === eventId && f.record.sha256 === sha256);
  }

  async add(spec: FileSpec): Promise<EventFile> {
    if (!spec.filename) throw new FileStoreError('a simulator file needs a non-empty filename');
    const stored = 'path' in spec ? await this.fromDisk(spec) : this.generated(spec);
    if (!this.bySha.has(stored.record.sha256)) this.bySha.set(stored.record.sha256, stored);
    this.ordered.push(stored);
    return stored.record;
  }

  private generated(spec: GeneratedFileSpec): StoredFile {
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) {
      throw new FileStoreError(`file "${spec.filename}": size must be a non-negative integer, got ${spec.size}`);
    }
    const bytes: GeneratedBytes = generatedBytes(spec.seed ?? `${spec.filename}:${spec.size}`);
    const sha256 = hashGenerated(bytes, spec.size, STREAM_CHUNK_BYTES);
    return {
      record: this.record(spec.filename, sha256, spec.size, GENERATED_UPDATED_AT, spec.event_id, spec.session),
      open: (range) => Readable.from(bytes.chunks(range.start, range.end, STREAM_CHUNK_BYTES), { objectMode: false }),
    };
  }

  private async fromDisk(spec: DiskFileSpec): Promise<StoredFile> {
    const info = await stat(spec.path).catch((err: NodeJS.ErrnoException) => {
      throw new FileStoreError(`file "${spec.filename}": cannot read ${spec.path} (${err.code ?? err.message})`);
    });
    if (!info.isFile()) throw new FileStoreError(`file "${spec.filename}": ${spec.path} is not a regular file`);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(spec.path, { highWaterMark: STREAM_CHUNK_BYTES }))
      hash.update(chunk as Buffer);
    return {
      record: this.record(
        spec.filename,
        hash.digest('hex'),
        info.size,
        info.mtime.toISOString(),
        spec.event_id,
        spec.session,
      ),
      open: (range) =>
        createReadStream(spec.path, { start: range.start, end: range.end, highWaterMark: STREAM_CHUNK_BYTES }),
    };
  }

  private record(
    filename: string,
    sha256: string,
    size: number,
    updatedAt: string,
    eventId?: string,
    session?: FileSession,
  ): EventFile {
    return EventFile.parse({
      ...(session
        ? {
            session_id: session.id,
            session_title: session.title,
            session_starts_at: session.starts_at,
            session_ends_at: session.ends_at,
          }
        : {}),
      event_file_id: `ef_${sha256.slice(0, 16)}`,
      event_id: eventId ?? this.defaultEventId,
      filename,
      sha256,
      size,
      updated_at: updatedAt,
    });
  }
}
