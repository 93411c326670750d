import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { decideRange } from './byte-range';
import type { StoredFile } from './file-store';
import { writeError } from './http-json';

/** Serves content-addressed bytes with ETag, Range (single range) and If-Range, streaming with backpressure. */
export function serveFile(req: IncomingMessage, res: ServerResponse, file: StoredFile): void {
  const { sha256, size } = file.record;
  const etag = `"${sha256}"`;
  const ifRange = req.headers['if-range'];
  const rangeHeader = ifRange === undefined || ifRange === etag ? req.headers.range : undefined;
  const decision = decideRange(rangeHeader, size);
  const common = {
    'Content-Disposition': contentDisposition(file.record.filename),
    ETag: etag,
    'Accept-Ranges': 'bytes',
    'Content-Type': 'application/octet-stream',
    'Cache-Control': 'private, max-age=31536000, immutable',
  };

  if (decision.kind === 'unsatisfiable') {
    return writeError(res, 416, `range "${rangeHeader}" is outside the file (${size} bytes)`, {
      'Content-Range': `bytes */${size}`,
      ETag: etag,
    });
  }
  const range = decision.kind === 'partial' ? decision.range : { start: 0, end: size - 1 };
  const length = range.end - range.start + 1;
  const headers: Record<string, string> = { ...common, 'Content-Length': String(length) };
  if (decision.kind === 'partial') headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  res.writeHead(decision.kind === 'partial' ? 206 : 200, headers);

  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  // A client that hangs up mid-transfer ends the pipeline with an error; nothing is left to answer.
  pipeline(file.open(range), res).catch(() => res.destroy());
}

/**
 * RFC 6266: an ASCII fallback for old clients (non-ASCII, quotes, backslashes and controls become
 * `_`) and the exact name as RFC 5987 `filename*`, which every current browser prefers.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
