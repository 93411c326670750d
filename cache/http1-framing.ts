/**
 * HTTP/1.1 response framing for the file client (http-get.ts): the response head and the three ways
 * a body can end (RFC 9112 §6.3). Pure functions over bytes, so every split of a response across
 * socket reads can be tested without a socket.
 */

/** The server broke HTTP/1.1 framing; the connection cannot be trusted any more. */
export class HttpProtocolError extends Error {
  override name = 'HttpProtocolError';
  readonly code = 'HTTP_PROTOCOL';
}

export interface ResponseHead {
  statusCode: number;
  /** Lower-case names; repeated fields joined with ", " as node:http does. */
  headers: Record<string, string>;
  /** Whether the server keeps the connection open after this response. */
  keepAlive: boolean;
}

/** A head larger than this is refused: a file server has no reason to send one. */
export const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const FIELD = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Parses a response head from the start of `buffer`. Returns null while the blank line that ends it
 * has not arrived, otherwise the head and its length in bytes.
 */
export function parseResponseHead(buffer: Buffer): { head: ResponseHead; length: number } | null {
  const end = buffer.indexOf(HEAD_END);
  if (end < 0) {
    if (buffer.length > MAX_HEAD_BYTES)
      throw new HttpProtocolError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
    return null;
  }
  if (end + HEAD_END.length > MAX_HEAD_BYTES)
    throw new HttpProtocolError(`the response head is over ${MAX_HEAD_BYTES} bytes`);
  const [statusLine = '', ...lines] = buffer.toString('latin1', 0, end).split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (!status) throw new HttpProtocolError(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  // No prototype: a field named "constructor" or "__proto__" is a field like any other.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of lines) {
    const field = FIELD.exec(line);
    // obs-fold (a line starting with white space) and stray bytes are refused, not guessed at.
    if (!field) throw new HttpProtocolError(`a malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = field[1]!.toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${field[2]}` : field[2]!;
  }
  const options = new Set((headers.connection ?? '').split(',').map((option) => option.trim().toLowerCase()));
  const keepAlive = status[1] === '1' ? !options.has('close') : options.has('keep-alive');
  return { head: { statusCode: Number(status[2]), headers, keepAlive }, length: end + HEAD_END.length };
}

export type BodyFraming =
  { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'until-close' };

/** How the body of a response to a GET ends (RFC 9112 §6.3). */
export function bodyFraming({ statusCode, headers }: ResponseHead): BodyFraming {
  if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) return { kind: 'none' };
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    return /(?:^|,)\s*chunked\s*$/i.test(transferEncoding) ? { kind: 'chunked' } : { kind: 'until-close' };
  }
  const contentLength = headers['content-length'];
  if (contentLength === undefined) return { kind: 'until-close' };
  const values = new Set(contentLength.split(',').map((v) => v.trim()));
  const [value = ''] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(value))
    throw new HttpProtocolError(`an invalid Content-Length: ${JSON.stringify(contentLength.slice(0, 80))}`);
  return { kind: 'length', length: Number(value) };
}

const MAX_CHUNK_LINE = 4096;
/** Trailers carry nothing a file download uses; a server sending them without end is refused. */
const MAX_TRAILER_BYTES = MAX_HEAD_BYTES;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Decodes `Transfer-Encoding: chunked` incrementally: `decode` takes whatever a socket read holds,
 * passes the data bytes to `emit` (views into the input, valid only during the call) and returns how
 * many input bytes it used (fewer than given only once the body is complete).
 */
export class ChunkedDecoder {
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private line = '';
  private left = 0;
  private trailerBytes = 0;

  get done(): boolean {
    return this.state === 'done';
  }

  decode(input: Buffer, emit: (data: Buffer) => void): number {
    let at = 0;
    while (at < input.length && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.left, input.length - at);
        emit(input.subarray(at, at + take));
        at += take;
        this.left -= take;
        if (this.left === 0) this.state = 'data-end';
        continue;
      }
      const newline = input.indexOf(LF, at);
      const stop = newline < 0 ? input.length : newline;
      this.line += input.toString('latin1', at, stop);
      if (this.line.length > MAX_CHUNK_LINE) throw new HttpProtocolError('a chunk-size or trailer line is too long');
      at = stop;
      if (newline < 0) break;
      at += 1;
      const line = this.line.charCodeAt(this.line.length - 1) === CR ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.endLine(line);
    }
    return at;
  }

  private endLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') throw new HttpProtocolError('a chunk is longer than its size says');
      this.state = 'size';
    } else if (this.state === 'trailer') {
      this.trailerBytes += line.length + 2;
      if (this.trailerBytes > MAX_TRAILER_BYTES)
        throw new HttpProtocolError(`the trailers are over ${MAX_TRAILER_BYTES} bytes`);
      if (line === '') this.state = 'done';
    } else {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw new HttpProtocolError(`an invalid chunk-size line: ${JSON.stringify(line.slice(0, 40))}`);
      this.left = parseInt(size[1]!, 16);
      this.state = this.left === 0 ? 'trailer' : 'data';
    }
  }
}
