import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/**
 * The largest API answer the app reads, counted both as it arrives on the wire and after
 * decompression. The biggest real answer is an event's file list: 10,000 files at ~300 bytes each
 * are 3 MiB, so 16 MiB is generous and still keeps a hostile or broken API (a gzip bomb that expands
 * 1,000-fold) from costing hundreds of MiB.
 */
export const API_BODY_MAX_BYTES = 16 * 1024 * 1024;

export class ApiBodyRefusedError extends Error {
  override name = 'ApiBodyRefusedError';
  constructor(
    readonly reason: 'too-large' | 'bad-encoding',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a response body, decoding `Content-Encoding` (gzip, deflate, br; several in a row) with our
 * own zlib streams so both the compressed and the decoded bytes are counted and the read stops at
 * `maxBytes` of either. undici's fetch would decode on its own with no limit; this is why the
 * transport uses `request` and decodes here.
 */
export async function readCappedBody(
  body: Readable,
  contentEncoding: string | undefined,
  contentLength: string | undefined,
  maxBytes: number,
): Promise<string> {
  const declared = contentLength === undefined ? NaN : Number(contentLength);
  if (declared > maxBytes) {
    body.destroy();
    throw tooLarge(maxBytes, 'declared');
  }
  const encodings = (contentEncoding ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== 'identity');
  const decoders = encodings.reverse().map((encoding) => decoderFor(encoding));
  if (decoders.some((d) => d === null)) {
    body.destroy();
    throw new ApiBodyRefusedError(
      'bad-encoding',
      `the answer uses a content encoding the app does not read (${encodings
        .join(', ')
        .slice(0, 40)
        .replace(/[^\x20-\x7e]/g, '?')})`,
    );
  }
  // pipeline reports an error thrown by its final function as a plain AbortError (Node 20), so the
  // refusal is kept here and rethrown as itself.
  let refusal: ApiBodyRefusedError | null = null;
  const refuse = (err: ApiBodyRefusedError) => (refusal ??= err);
  let wire = 0;
  const countWire = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      wire += chunk.length;
      done(wire > maxBytes ? refuse(tooLarge(maxBytes, 'wire')) : null, chunk);
    },
  });
  const chunks: Buffer[] = [];
  let decoded = 0;
  try {
    // pipeline destroys every stream of the chain on the first error, the socket included.
    // (pipeline's typings take a variable number of middle streams only as overloads.)
    await (pipeline as unknown as (...streams: unknown[]) => Promise<void>)(
      body,
      countWire,
      ...decoders,
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          decoded += chunk.length;
          if (decoded > maxBytes) throw refuse(tooLarge(maxBytes, 'decoded'));
          chunks.push(chunk);
        }
      },
    );
  } catch (err) {
    if (refusal) throw refusal;
    if (err instanceof ApiBodyRefusedError) throw err;
    if (isZlibError(err))
      throw new ApiBodyRefusedError('bad-encoding', `the answer's ${encodings.join(', ')} encoding is corrupt`);
    throw err;
  }
  return Buffer.concat(chunks, decoded).toString('utf8');
}

function decoderFor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

function tooLarge(maxBytes: number, where: 'declared' | 'wire' | 'decoded'): ApiBodyRefusedError {
  const limit = `${Math.round(maxBytes / 1024 / 1024)} MiB`;
  const what =
    where === 'decoded' ? 'decompresses to more than' : where === 'declared' ? 'declares more than' : 'is more than';
  return new ApiBodyRefusedError('too-large', `the answer ${what} ${limit}; it is refused`);
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
