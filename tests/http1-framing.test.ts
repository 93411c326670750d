/**
 * Behaviour of the HTTP/1.1 framing the file client relies on (cache/http1-framing.ts): the response
 * head, how a body ends, and the chunked decoder. The bytes come from servers we do not trust, so
 * every split of the input across reads is exercised and every refusal is checked to be an
 * HttpProtocolError with a bounded message.
 */
import { describe, expect, it } from 'vitest';
import {
  ChunkedDecoder,
  HttpProtocolError,
  MAX_HEAD_BYTES,
  bodyFraming,
  parseResponseHead,
  type BodyFraming,
  type ResponseHead,
} from '../cache/http1-framing';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A complete head: the lines joined with CRLF and ended by the blank line. */
const headOf = (...lines: string[]): Buffer => bytes(`${lines.join('\r\n')}\r\n\r\n`);

const parse = (...lines: string[]) => parseResponseHead(headOf(...lines));

/** Parses a head that must be complete and returns it. */
function parsed(...lines: string[]): ResponseHead {
  const result = parse(...lines);
  expect(result).not.toBeNull();
  return result!.head;
}

/** Runs `fn`, which must throw an HttpProtocolError, and returns the error. */
function protocolError(fn: () => unknown): HttpProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected an HttpProtocolError to be thrown').toBeInstanceOf(HttpProtocolError);
  const error = thrown as HttpProtocolError;
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('HttpProtocolError');
  expect(error.code).toBe('HTTP_PROTOCOL');
  return error;
}

const framingOf = (headers: Record<string, string>, statusCode = 200): BodyFraming =>
  bodyFraming({ statusCode, headers, keepAlive: true });

interface Chunk {
  data: Buffer;
  /** The size as written on the wire (defaults to lower-case hex). */
  size?: string;
  /** A chunk extension written after the size, e.g. ';name=val'. */
  ext?: string;
}

/** Encodes chunks, the last chunk (with an optional extension) and trailer lines. */
function encodeChunked(chunks: Chunk[], { lastExt = '', trailers = [] as string[], eol = '\r\n' } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const { data, size = data.length.toString(16), ext = '' } of chunks) {
    parts.push(bytes(`${size}${ext}${eol}`), data, bytes(eol));
  }
  parts.push(bytes(`0${lastExt}${eol}`));
  for (const trailer of trailers) parts.push(bytes(`${trailer}${eol}`));
  parts.push(bytes(eol));
  return Buffer.concat(parts);
}

interface DecodeRun {
  body: Buffer;
  /** What `decode` returned for each piece. */
  used: number[];
  /** `done` after each piece. */
  done: boolean[];
  emits: number;
}

/** Feeds the pieces to one decoder, copying every emitted view (they are only valid during the call). */
function decodePieces(pieces: Buffer[], decoder = new ChunkedDecoder()): DecodeRun {
  const out: Buffer[] = [];
  const used: number[] = [];
  const done: boolean[] = [];
  let emits = 0;
  for (const piece of pieces) {
    used.push(
      decoder.decode(piece, (view) => {
        emits += 1;
        out.push(Buffer.from(view));
      }),
    );
    done.push(decoder.done);
  }
  return { body: Buffer.concat(out), used, done, emits };
}

/** Splits a buffer into pieces of `size` bytes (the last may be shorter). */
function piecesOf(buffer: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += size) pieces.push(buffer.subarray(at, at + size));
  return pieces;
}

/** Feeds the whole input in one piece; an error anywhere is expected. */
const decodeWhole = (input: Buffer) => decodePieces([input]);

// A body whose chunks exercise: an extension, lower- and upper-case hex, a chunk holding CRLF and
// a fake last chunk inside its data, a one-byte chunk, a chunk of every byte value, and trailers.
const fakeTerminator = bytes('line\r\n0\r\n\r\nstill data 0;x\r\n');
const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const CHUNKS: Chunk[] = [
  { data: bytes('the first chunk: 26 bytes!'), size: '1a', ext: ';name=val' },
  { data: Buffer.concat([fakeTerminator, bytes('x'.repeat(31 - fakeTerminator.length))]), size: '1F' },
  { data: bytes('!'), size: '1' },
  { data: allBytes, size: '100', ext: ';a=1;b="q v"' },
  { data: bytes('tail'), size: '0004' },
];
const BODY = Buffer.concat(CHUNKS.map((c) => c.data));
const ENCODED = encodeChunked(CHUNKS, { lastExt: ';last=yes', trailers: ['Expires: never', 'X-Checksum: abc'] });
const NEXT_RESPONSE = bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');

// ---------------------------------------------------------------------------------------------
// parseResponseHead
// ---------------------------------------------------------------------------------------------

describe('parseResponseHead', () => {
  describe('finding the end of the head', () => {
    const head = headOf('HTTP/1.1 200 OK', 'Content-Length: 5', 'X-Thing:  a b ');
    const body = bytes('hello');

    it('returns null for every proper prefix of the head and parses it exactly when complete', () => {
      for (let n = 0; n < head.length; n++) {
        expect(parseResponseHead(head.subarray(0, n)), `prefix of ${n} bytes`).toBeNull();
      }
      const result = parseResponseHead(head);
      expect(result).not.toBeNull();
      expect(result!.length).toBe(head.length);
      expect(result!.head.statusCode).toBe(200);
    });

    it('does not count body bytes that follow the head in `length`', () => {
      const withBody = Buffer.concat([head, body]);
      for (let n = head.length; n <= withBody.length; n++) {
        const result = parseResponseHead(withBody.subarray(0, n));
        expect(result!.length).toBe(head.length);
        expect(result!.head.headers['content-length']).toBe('5');
      }
    });

    it('ignores a blank line that appears in the body after the head', () => {
      const withBody = Buffer.concat([head, bytes('a\r\n\r\nb')]);
      expect(parseResponseHead(withBody)!.length).toBe(head.length);
    });

    it('counts the blank line in `length` for a head with no fields', () => {
      const result = parseResponseHead(bytes('HTTP/1.1 204 No Content\r\n\r\n'));
      expect(result).toEqual({ head: { statusCode: 204, headers: {}, keepAlive: true }, length: 27 });
    });

    it('does not take a bare-LF blank line or a lone CR for the end of the head', () => {
      expect(parseResponseHead(bytes('HTTP/1.1 200 OK\r\nA: b\r\n\r'))).toBeNull();
      expect(parseResponseHead(bytes('HTTP/1.1 200 OK\r\nA: b\n\n'))).toBeNull();
    });
  });

  describe('status line', () => {
    it.each([
      ['HTTP/1.1 200 OK', 200],
      ['HTTP/1.1 206 Partial Content', 206],
      ['HTTP/1.1 404 Not Found', 404],
      ['HTTP/1.0 503 Service Unavailable', 503],
      ['HTTP/1.1 100 Continue', 100],
      ['HTTP/1.1 599 whatever reason: with, punctuation', 599],
      ['HTTP/1.1 200 ', 200],
      ['HTTP/1.1 200', 200],
    ])('reads the status code of %j', (line, code) => {
      expect(parsed(line).statusCode).toBe(code);
    });

    it.each([
      'HTTP/2 200',
      'HTTP/2.0 200 OK',
      'HTTP/1.2 200 OK',
      'ICY 200 OK',
      'http/1.1 200 OK',
      'HTTP/1.1 20 OK',
      'HTTP/1.1 2000 OK',
      'HTTP/1.1 20x OK',
      'HTTP/1.1 200OK',
      'HTTP/1.1  200 OK',
      ' HTTP/1.1 200 OK',
      'HTTP/1.1 200 OK\rX',
      '',
    ])('refuses the status line %j', (line) => {
      protocolError(() => parse(line, 'Content-Length: 0'));
    });

    it('refuses a head that is only a blank line', () => {
      protocolError(() => parseResponseHead(bytes('\r\n\r\n')));
    });
  });

  describe('header fields', () => {
    it('lower-cases names and trims spaces and tabs around values', () => {
      const head = parsed(
        'HTTP/1.1 200 OK',
        'Content-Type: text/plain',
        'X-PADDED: \t  spaced  value \t ',
        'X-Tight:tight',
        'X-Empty:',
        'Location: http://host:8080/a?b=c',
      );
      expect(head.headers).toEqual({
        'content-type': 'text/plain',
        'x-padded': 'spaced  value',
        'x-tight': 'tight',
        'x-empty': '',
        location: 'http://host:8080/a?b=c',
      });
    });

    it('joins repeated fields with ", " in arrival order, whatever their case', () => {
      const head = parsed('HTTP/1.1 200 OK', 'Vary: a', 'X-Other: z', 'VARY: b', 'vary:  c ');
      expect(head.headers.vary).toBe('a, b, c');
      expect(head.headers['x-other']).toBe('z');
    });

    it('accepts every token character in a name', () => {
      const head = parsed('HTTP/1.1 200 OK', "A-z_0.9!#$%&'*+^`|~: v");
      expect(head.headers["a-z_0.9!#$%&'*+^`|~"]).toBe('v');
    });

    it('keeps latin1 bytes of a value as latin1 characters', () => {
      const head = parsed('HTTP/1.1 200 OK', 'X-Name: caf\xe9');
      expect(head.headers['x-name']).toBe('caf\xe9');
    });

    it.each([
      ['an obs-fold line starting with a space', ' continued'],
      ['an obs-fold line starting with a tab', '\tcontinued'],
      ['an obs-fold line that looks like a field', ' X-Folded: v'],
      ['a tab-folded line that looks like a field', '\tX-Folded: v'],
      ['a line without a colon', 'NoColonHere'],
      ['an empty name', ': value'],
      ['a space inside the name', 'Bad Name: v'],
      ['a space before the colon', 'Name : v'],
      ['a tab before the colon', 'Name\t: v'],
      ['"(" in the name', 'Bad(Name): v'],
      ['"@" in the name', 'Bad@Name: v'],
      ['a quote in the name', 'Bad"Name: v'],
      ['"/" in the name', 'Bad/Name: v'],
      ['DEL in the name', 'Bad\x7fName: v'],
      ['a non-ASCII byte in the name', 'B\xe4d: v'],
      ['a bare CR inside a line', 'X-A: b\rc'],
      ['a bare LF inside a line', 'X-A: b\nX-Smuggled: c'],
    ])('refuses %s', (_what, line) => {
      protocolError(() => parse('HTTP/1.1 200 OK', 'Content-Length: 0', line));
    });
  });

  describe('keepAlive', () => {
    it.each([
      ['HTTP/1.1', undefined, true],
      ['HTTP/1.1', 'keep-alive', true],
      ['HTTP/1.1', 'close', false],
      ['HTTP/1.1', 'Close', false],
      ['HTTP/1.1', 'CLOSE', false],
      ['HTTP/1.1', 'foo, close', false],
      ['HTTP/1.1', 'close, foo', false],
      ['HTTP/1.1', 'Upgrade,Close', false],
      ['HTTP/1.0', undefined, false],
      ['HTTP/1.0', 'close', false],
      ['HTTP/1.0', 'keep-alive', true],
      ['HTTP/1.0', 'Keep-Alive', true],
      ['HTTP/1.0', 'foo, keep-alive', true],
    ])('%s with Connection: %j → %s', (version, connection, expected) => {
      const lines = [`${version} 200 OK`, 'Content-Length: 0'];
      if (connection !== undefined) lines.push(`Connection: ${connection}`);
      expect(parsed(...lines).keepAlive).toBe(expected);
    });

    it('sees "close" in a second Connection field', () => {
      expect(parsed('HTTP/1.1 200 OK', 'Connection: foo', 'connection: close').keepAlive).toBe(false);
    });
  });

  describe('size limit', () => {
    const statusLine = 'HTTP/1.1 200 OK\r\n';
    /** A head whose bytes, blank line included, total exactly `total`. */
    function headOfSize(total: number): Buffer {
      const fixed = `${statusLine}X-Pad: \r\n\r\n`.length;
      return bytes(`${statusLine}X-Pad: ${'p'.repeat(total - fixed)}\r\n\r\n`);
    }

    it('waits for a head of exactly MAX_HEAD_BYTES bytes with no end yet', () => {
      expect(parseResponseHead(bytes(statusLine + 'x'.repeat(MAX_HEAD_BYTES - statusLine.length)))).toBeNull();
    });

    it('refuses a head with no end once it is over MAX_HEAD_BYTES', () => {
      const error = protocolError(() =>
        parseResponseHead(bytes(statusLine + 'x'.repeat(MAX_HEAD_BYTES + 1 - statusLine.length))),
      );
      expect(error.message).toContain(String(MAX_HEAD_BYTES));
    });

    it('refuses a much larger head with no end', () => {
      protocolError(() => parseResponseHead(Buffer.alloc(4 * MAX_HEAD_BYTES, 0x61)));
    });

    it('accepts a complete head of exactly MAX_HEAD_BYTES bytes, whole and with its last byte missing', () => {
      const head = headOfSize(MAX_HEAD_BYTES);
      expect(head.length).toBe(MAX_HEAD_BYTES);
      expect(parseResponseHead(head.subarray(0, head.length - 1))).toBeNull();
      expect(parseResponseHead(head)!.length).toBe(MAX_HEAD_BYTES);
    });

    it('refuses a complete head longer than MAX_HEAD_BYTES', () => {
      protocolError(() => parseResponseHead(headOfSize(MAX_HEAD_BYTES + 100)));
      protocolError(() => parseResponseHead(headOfSize(2 * MAX_HEAD_BYTES)));
    });

    it('does not count the body against the limit', () => {
      const head = headOf('HTTP/1.1 200 OK', 'Content-Length: 200000');
      const result = parseResponseHead(Buffer.concat([head, Buffer.alloc(200_000, 0x62)]));
      expect(result!.length).toBe(head.length);
    });

    // The outcome must not depend on how the bytes were split across reads.
    it('judges a head at the limit the same whether it arrives whole or in pieces', () => {
      const head = headOfSize(MAX_HEAD_BYTES + 4);
      const whole = (() => {
        try {
          return parseResponseHead(head) ? 'accepted' : 'waiting';
        } catch {
          return 'refused';
        }
      })();
      const piecewise = (() => {
        try {
          parseResponseHead(head.subarray(0, head.length - 1));
          return parseResponseHead(head) ? 'accepted' : 'waiting';
        } catch {
          return 'refused';
        }
      })();
      expect(piecewise).toBe(whole);
    });
  });

  describe('error messages stay short for a hostile line', () => {
    const long = 'y'.repeat(10_000);
    it.each([
      ['a bad status line', [`HTTP/1.1 2${long}`]],
      ['a bad reason-less status line', [`${long} 200 OK`]],
      ['a line without a colon', ['HTTP/1.1 200 OK', long]],
      ['an obs-fold line', ['HTTP/1.1 200 OK', 'X-A: b', ` ${long}`]],
      ['a bad name with a long value', ['HTTP/1.1 200 OK', `Bad Name: ${long}`]],
    ])('%s', (_what, lines) => {
      const error = protocolError(() => parse(...lines));
      expect(error.message.length).toBeLessThan(200);
    });

    it('stays bounded even when the line is control characters that escape to several chars each', () => {
      const error = protocolError(() => parse('HTTP/1.1 200 OK', '\x01'.repeat(10_000)));
      expect(error.message.length).toBeLessThan(1_000);
    });
  });

  // Repeats are detected by name, so a field named like an Object.prototype member must not collide.
  describe('fields named like Object.prototype members', () => {
    it('keeps a single "Constructor" field as it was sent', () => {
      expect(parsed('HTTP/1.1 200 OK', 'Constructor: x').headers.constructor).toBe('x');
    });

    it('keeps a "__proto__" field as an own key', () => {
      const { headers } = parsed('HTTP/1.1 200 OK', '__proto__: x');
      expect(Object.keys(headers)).toEqual(['__proto__']);
    });

    it('does not let such a field change how the body is framed', () => {
      const head = parsed('HTTP/1.1 200 OK', '__proto__: x', 'Constructor: y', 'toString: z', 'Content-Length: 3');
      expect(bodyFraming(head)).toEqual({ kind: 'length', length: 3 });
    });
  });

  // RFC 9110 §7.6.1: Connection is a comma-separated list of tokens, compared whole.
  describe('Connection options are whole tokens', () => {
    it('HTTP/1.0 with Connection: no-keep-alive is not kept alive', () => {
      expect(parsed('HTTP/1.0 200 OK', 'Content-Length: 0', 'Connection: no-keep-alive').keepAlive).toBe(false);
    });

    it('HTTP/1.1 with Connection: x-close is kept alive', () => {
      expect(parsed('HTTP/1.1 200 OK', 'Content-Length: 0', 'Connection: x-close').keepAlive).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// bodyFraming
// ---------------------------------------------------------------------------------------------

describe('bodyFraming', () => {
  it.each([204, 304, 100, 101, 199])('a %i response has no body, whatever its headers say', (status) => {
    expect(framingOf({}, status)).toEqual({ kind: 'none' });
    expect(framingOf({ 'content-length': '10' }, status)).toEqual({ kind: 'none' });
    expect(framingOf({ 'transfer-encoding': 'chunked' }, status)).toEqual({ kind: 'none' });
  });

  it.each([
    'chunked',
    'Chunked',
    'CHUNKED',
    'gzip, chunked',
    'gzip,chunked',
    'gzip ,  chunked  ',
    'deflate, gzip, chunked',
  ])('Transfer-Encoding %j is chunked', (te) => {
    expect(framingOf({ 'transfer-encoding': te })).toEqual({ kind: 'chunked' });
  });

  it.each(['gzip', 'chunked, gzip', 'xchunked', 'gzip, xchunked', 'chunkedx', ''])(
    'Transfer-Encoding %j not ending in chunked is read until close',
    (te) => {
      expect(framingOf({ 'transfer-encoding': te })).toEqual({ kind: 'until-close' });
    },
  );

  it('lets Transfer-Encoding win over Content-Length, even an invalid one', () => {
    expect(framingOf({ 'transfer-encoding': 'chunked', 'content-length': '10' })).toEqual({ kind: 'chunked' });
    expect(framingOf({ 'transfer-encoding': 'gzip', 'content-length': '10' })).toEqual({ kind: 'until-close' });
    expect(framingOf({ 'transfer-encoding': 'chunked', 'content-length': 'abc' })).toEqual({ kind: 'chunked' });
    expect(framingOf({ 'transfer-encoding': 'chunked', 'content-length': '5, 6' })).toEqual({ kind: 'chunked' });
  });

  it.each([
    ['0', 0],
    ['5', 5],
    ['007', 7],
    ['1048576', 1048576],
    ['999999999999999', 999_999_999_999_999],
    ['5, 5', 5],
    ['5,5,5', 5],
  ])('Content-Length %j → length %i', (cl, length) => {
    expect(framingOf({ 'content-length': cl })).toEqual({ kind: 'length', length });
  });

  it('reads repeated equal Content-Length fields as one length', () => {
    const head = parsed('HTTP/1.1 200 OK', 'Content-Length: 5', 'content-length:  5 ');
    expect(bodyFraming(head)).toEqual({ kind: 'length', length: 5 });
  });

  it.each([
    '5, 6',
    '5, 05',
    '-1',
    'abc',
    '1e3',
    '0x10',
    '5.0',
    '+5',
    '5,',
    '',
    ' ',
    '1 2',
    '1000000000000000',
    '99999999999999999999',
  ])('refuses Content-Length %j', (cl) => {
    protocolError(() => framingOf({ 'content-length': cl }));
  });

  it('refuses repeated conflicting Content-Length fields', () => {
    const head = parsed('HTTP/1.1 200 OK', 'Content-Length: 5', 'Content-Length: 6');
    protocolError(() => bodyFraming(head));
  });

  it('keeps the message short for a long invalid Content-Length', () => {
    const error = protocolError(() => framingOf({ 'content-length': '9'.repeat(10_000) }));
    expect(error.message.length).toBeLessThan(200);
  });

  it('reads until close with neither Content-Length nor Transfer-Encoding', () => {
    expect(framingOf({})).toEqual({ kind: 'until-close' });
    expect(framingOf({ 'content-type': 'text/plain' }, 404)).toEqual({ kind: 'until-close' });
  });

  it('frames parsed heads end to end', () => {
    expect(bodyFraming(parsed('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked'))).toEqual({ kind: 'chunked' });
    expect(bodyFraming(parsed('HTTP/1.0 200 OK'))).toEqual({ kind: 'until-close' });
    expect(bodyFraming(parsed('HTTP/1.1 304 Not Modified', 'Content-Length: 99'))).toEqual({ kind: 'none' });
  });
});

// ---------------------------------------------------------------------------------------------
// ChunkedDecoder
// ---------------------------------------------------------------------------------------------

describe('ChunkedDecoder', () => {
  describe('decoding a known body', () => {
    it('the fixture really holds what the tests expect', () => {
      expect(BODY.length).toBe(26 + 31 + 1 + 256 + 4);
      expect(ENCODED.includes(bytes('1a;name=val\r\n'))).toBe(true);
      expect(ENCODED.includes(bytes('1F\r\n'))).toBe(true);
      expect(ENCODED.subarray(-60).toString('latin1')).toContain(
        '0;last=yes\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n',
      );
    });

    it('decodes it in one piece', () => {
      const run = decodeWhole(ENCODED);
      expect(run.body.equals(BODY)).toBe(true);
      expect(run.used).toEqual([ENCODED.length]);
      expect(run.done).toEqual([true]);
    });

    it('decodes it split in two at every position', () => {
      for (let split = 0; split <= ENCODED.length; split++) {
        const first = ENCODED.subarray(0, split);
        const second = ENCODED.subarray(split);
        const run = decodePieces([first, second]);
        expect(run.body.equals(BODY), `split at ${split}`).toBe(true);
        expect(run.used, `split at ${split}`).toEqual([first.length, second.length]);
        expect(run.done, `split at ${split}`).toEqual([split === ENCODED.length, true]);
      }
    });

    it('decodes it one byte at a time, done only after the very last byte', () => {
      const run = decodePieces(piecesOf(ENCODED, 1));
      expect(run.body.equals(BODY)).toBe(true);
      expect(run.used.every((n) => n === 1)).toBe(true);
      expect(run.done.indexOf(true)).toBe(ENCODED.length - 1);
      expect(run.done.filter(Boolean)).toHaveLength(1);
    });

    it.each([2, 3, 7, 64, 300])('decodes it in pieces of %i bytes', (size) => {
      const run = decodePieces(piecesOf(ENCODED, size));
      expect(run.body.equals(BODY)).toBe(true);
      expect(run.done.at(-1)).toBe(true);
      expect(run.done.slice(0, -1).some(Boolean)).toBe(false);
    });

    it('emits nothing empty', () => {
      const lengths: number[] = [];
      const decoder = new ChunkedDecoder();
      for (const piece of piecesOf(ENCODED, 5)) decoder.decode(piece, (view) => lengths.push(view.length));
      expect(lengths.length).toBeGreaterThan(0);
      expect(lengths.every((n) => n > 0)).toBe(true);
    });

    it('decodes a body with no data chunks at all', () => {
      const run = decodeWhole(bytes('0\r\n\r\n'));
      expect(run.body.length).toBe(0);
      expect(run.emits).toBe(0);
      expect(run.done).toEqual([true]);
      expect(run.used).toEqual([5]);
    });

    it('does not keep the input between calls (the caller may reuse its read buffer)', () => {
      const decoder = new ChunkedDecoder();
      const scratch = Buffer.alloc(1);
      const out: Buffer[] = [];
      for (const byte of ENCODED) {
        scratch[0] = byte;
        decoder.decode(scratch, (view) => out.push(Buffer.from(view)));
        scratch.fill(0xee);
      }
      expect(Buffer.concat(out).equals(BODY)).toBe(true);
      expect(decoder.done).toBe(true);
    });
  });

  describe('bytes after the end of the body', () => {
    const input = Buffer.concat([ENCODED, NEXT_RESPONSE]);

    it('uses only the body and does not emit what follows it', () => {
      const run = decodeWhole(input);
      expect(run.used).toEqual([ENCODED.length]);
      expect(run.used[0]).toBeLessThan(input.length);
      expect(run.body.equals(BODY)).toBe(true);
      expect(run.done).toEqual([true]);
    });

    it('uses only the body at every split of body plus extra bytes', () => {
      for (let split = 0; split <= input.length; split++) {
        const first = input.subarray(0, split);
        const second = input.subarray(split);
        const run = decodePieces([first, second]);
        expect(run.body.equals(BODY), `split at ${split}`).toBe(true);
        expect(run.used[0]! + run.used[1]!, `split at ${split}`).toBe(ENCODED.length);
        expect(run.done[1]).toBe(true);
      }
    });

    it('uses nothing once done', () => {
      const decoder = new ChunkedDecoder();
      decodePieces([ENCODED], decoder);
      const run = decodePieces([NEXT_RESPONSE, bytes('5\r\nhello\r\n')], decoder);
      expect(run.used).toEqual([0, 0]);
      expect(run.emits).toBe(0);
      expect(decoder.done).toBe(true);
    });

    it('stops right after the blank line that ends the trailers', () => {
      const run = decodeWhole(bytes('3\r\nabc\r\n0\r\nX: y\r\n\r\n\r\n\r\n'));
      expect(run.used).toEqual([19]);
      expect(run.body.toString()).toBe('abc');
    });
  });

  describe('line endings and extensions', () => {
    it('accepts bare LF line endings', () => {
      const input = encodeChunked(CHUNKS, { trailers: ['X: y'], eol: '\n' });
      for (const size of [1, input.length]) {
        const run = decodePieces(piecesOf(input, size));
        expect(run.body.equals(BODY)).toBe(true);
        expect(run.done.at(-1)).toBe(true);
      }
    });

    it('accepts CRLF and bare LF mixed', () => {
      const run = decodeWhole(bytes('5\nhello\r\n3\r\nabc\n0\r\n\n'));
      expect(run.body.toString()).toBe('helloabc');
      expect(run.done).toEqual([true]);
    });

    it.each(['5;name=val', '5;name="quoted; value"', '5;a;b=c', '5 ;x', '5\t;x', '5;'])(
      'accepts the size line %j',
      (line) => {
        const run = decodeWhole(bytes(`${line}\r\nhello\r\n0\r\n\r\n`));
        expect(run.body.toString()).toBe('hello');
        expect(run.done).toEqual([true]);
      },
    );

    it('accepts a long but not too long extension', () => {
      const run = decodeWhole(bytes(`5;x=${'e'.repeat(4000)}\r\nhello\r\n0\r\n\r\n`));
      expect(run.body.toString()).toBe('hello');
    });
  });

  describe('chunk sizes', () => {
    it('reads hex sizes in either case', () => {
      const data = Buffer.alloc(0xab, 0x41);
      for (const size of ['ab', 'AB', 'aB', '0ab']) {
        const run = decodeWhole(Buffer.concat([bytes(`${size}\r\n`), data, bytes('\r\n0\r\n\r\n')]));
        expect(run.body.equals(data), size).toBe(true);
      }
    });

    it('accepts a 12-hex-digit size and reads it as a number', () => {
      const run = decodeWhole(bytes('000000000005\r\nhello\r\n0\r\n\r\n'));
      expect(run.body.toString()).toBe('hello');
      expect(run.done).toEqual([true]);

      const decoder = new ChunkedDecoder();
      const huge = decodePieces([bytes('ffffffffffff\r\n'), bytes('0\r\n\r\n'), Buffer.alloc(1000, 0x7a)], decoder);
      // All of it is data of the (2^48 - 1)-byte chunk: nothing ends it early.
      expect(huge.body.length).toBe(5 + 1000);
      expect(huge.done).toEqual([false, false, false]);
    });

    it.each(['0000000000005', '1000000000000', 'fffffffffffff'])('refuses the 13-hex-digit size %j', (size) => {
      protocolError(() => decodeWhole(bytes(`${size}\r\nhello\r\n0\r\n\r\n`)));
    });
  });

  describe('refusals', () => {
    const cases: [string, string][] = [
      ['a non-hex size', 'zz\r\nhello\r\n0\r\n\r\n'],
      ['a size with a 0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
      ['a negative size', '-5\r\nhello\r\n0\r\n\r\n'],
      ['a size with a sign', '+5\r\nhello\r\n0\r\n\r\n'],
      ['a size with a leading space', ' 5\r\nhello\r\n0\r\n\r\n'],
      ['a size followed by junk', '5x\r\nhello\r\n0\r\n\r\n'],
      ['a missing size', '\r\nhello\r\n0\r\n\r\n'],
      ['a missing size before an extension', ';name=val\r\nhello\r\n0\r\n\r\n'],
      ['a missing size after a chunk', '5\r\nhello\r\n\r\n0\r\n\r\n'],
      ['data longer than the declared size', '5\r\nhello world\r\n0\r\n\r\n'],
      ['one byte of data too many', '5\r\nhello!\r\n0\r\n\r\n'],
      ['data running into the next size line', '5\r\nhello0\r\n\r\n'],
      ['a size line with a non-latin byte', '5\xff\r\nhello\r\n0\r\n\r\n'],
    ];

    it.each(cases)('refuses %s in one piece', (_what, input) => {
      protocolError(() => decodeWhole(bytes(input)));
    });

    it.each(cases)('refuses %s fed one byte at a time', (_what, input) => {
      protocolError(() => decodePieces(piecesOf(bytes(input), 1)));
    });

    it('emits nothing past the declared size before refusing', () => {
      const out: string[] = [];
      const decoder = new ChunkedDecoder();
      expect(() => decoder.decode(bytes('5\r\nhello world\r\n'), (v) => out.push(v.toString()))).toThrow(
        HttpProtocolError,
      );
      expect(out.join('')).toBe('hello');
    });

    it('refuses a size line over 4096 characters', () => {
      protocolError(() => decodeWhole(bytes(`5;x=${'e'.repeat(5000)}\r\nhello\r\n0\r\n\r\n`)));
      protocolError(() => decodeWhole(bytes(`${'0'.repeat(5000)}5\r\nhello\r\n0\r\n\r\n`)));
    });

    it('refuses an endless size line before its end arrives', () => {
      const decoder = new ChunkedDecoder();
      expect(() => decoder.decode(bytes('5;'), () => {})).not.toThrow();
      let fed = 0;
      const error = protocolError(() => {
        for (let i = 0; i < 100; i++) {
          decoder.decode(Buffer.alloc(1000, 0x78), () => {});
          fed += 1;
        }
      });
      expect(fed).toBeLessThanOrEqual(5);
      expect(error.message.length).toBeLessThan(200);
    });

    it('refuses an endless trailer line', () => {
      const decoder = new ChunkedDecoder();
      decoder.decode(bytes('0\r\nX-Trailer: '), () => {});
      protocolError(() => {
        for (let i = 0; i < 100; i++) decoder.decode(Buffer.alloc(1000, 0x78), () => {});
      });
    });

    it('refuses trailers that never end', () => {
      const decoder = new ChunkedDecoder();
      decoder.decode(bytes('0\r\n'), () => {});
      protocolError(() => {
        for (let i = 0; i < 1000; i++) decoder.decode(bytes(`X-Trailer-${i}: ${'v'.repeat(100)}\r\n`), () => {});
      });
      expect(decoder.done).toBe(false);
    });

    it('refuses data longer than its size when no line end ever follows', () => {
      const decoder = new ChunkedDecoder();
      decoder.decode(bytes('5\r\nhello'), () => {});
      protocolError(() => {
        for (let i = 0; i < 100; i++) decoder.decode(Buffer.alloc(1000, 0x78), () => {});
      });
    });

    it('keeps the message short for a long bad size line', () => {
      const error = protocolError(() => decodeWhole(bytes(`${'z'.repeat(4000)}\r\n`)));
      expect(error.message.length).toBeLessThan(200);
    });
  });
});
