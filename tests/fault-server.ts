import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A `/v3/files/{sha256}` server on loopback that misbehaves on demand, over real sockets.
 * Faults apply to the next `times` file responses, then the server is well behaved again.
 */
export type Fault =
  | { kind: 'truncate'; atByte: number }
  | { kind: 'corrupt'; atByte: number }
  | { kind: 'reset'; atByte: number }
  | { kind: 'stall'; atByte: number }
  | { kind: 'status'; code: number }
  | { kind: 'ignore-range' }
  | { kind: 'wrong-length'; delta: number };

export interface RequestRecord {
  sha256: string;
  range: string | null;
  status: number;
  fault: Fault['kind'] | null;
}

export interface FaultServerOptions {
  apiKey?: string;
  /** Pause between 64 KiB chunks, to make transfers slow enough to interrupt. */
  chunkDelayMs?: number;
}

export interface FaultServer {
  url: string;
  apiKey: string | null;
  requests: RequestRecord[];
  /** Most file responses being sent at the same moment. */
  maxInFlight(): number;
  addBuffer(bytes: Buffer): string;
  addFile(path: string, sha256: string, size: number): void;
  setFault(fault: Fault, times?: number): void;
  /** Queues a fault to apply after the current one has run out. */
  thenFault(fault: Fault, times?: number): void;
  clearFault(): void;
  close(): Promise<void>;
}

type Body = { kind: 'buffer'; bytes: Buffer } | { kind: 'file'; path: string; size: number };
const CHUNK = 64 * 1024;

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const files = new Map<string, Body>();
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  let plan: { fault: Fault; times: number }[] = [];
  const nextFault = (): Fault | null => {
    const step = plan[0];
    if (!step) return null;
    step.times -= 1;
    if (step.times <= 0) plan.shift();
    return step.fault;
  };
  let inFlight = 0;
  let maxInFlight = 0;
  const track = (done: Promise<unknown>) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    void done.finally(() => (inFlight -= 1));
  };

  const server = http.createServer((req, res) => {
    const match = /^\/v3\/files\/([0-9a-f]{64})$/.exec(req.url ?? '');
    const sha256 = match?.[1] ?? '';
    const record = (status: number, applied: Fault | null) =>
      requests.push({ sha256, range: req.headers.range ?? null, status, fault: applied?.kind ?? null });
    if (options.apiKey && req.headers['x-api-key'] !== options.apiKey) {
      record(401, null);
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    }
    const body = files.get(sha256);
    const active = nextFault();
    if (active?.kind === 'status') {
      record(active.code, active);
      return void res.writeHead(active.code, { 'content-type': 'application/json' }).end('{"error":"injected"}');
    }
    if (!body) {
      record(404, null);
      return void res.writeHead(404).end();
    }
    const size = body.kind === 'buffer' ? body.bytes.length : body.size;
    const rangeMatch = active?.kind === 'ignore-range' ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = rangeMatch ? Number(rangeMatch[1]) : 0;
    if (start >= size && rangeMatch) {
      record(416, active);
      return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    }
    const status = rangeMatch ? 206 : 200;
    record(status, active);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      etag: `"${sha256}"`,
      'accept-ranges': 'bytes',
    };
    if (rangeMatch) headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    const length = Math.max(0, size - start + (active?.kind === 'wrong-length' ? active.delta : 0));
    if (body.kind === 'file' && !active) {
      res.writeHead(status, { ...headers, 'content-length': length });
      createReadStream(body.path, { start, highWaterMark: 1024 * 1024 }).pipe(res);
      track(new Promise((resolve) => res.on('close', resolve)));
      return;
    }
    const bytes = body.kind === 'buffer' ? body.bytes.subarray(start) : Buffer.alloc(0);
    track(
      sendRaw(
        req.socket,
        status,
        { ...headers, 'content-length': length, connection: 'close' },
        bytes,
        active,
        options.chunkDelayMs ?? 0,
      ),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: options.apiKey ?? null,
    requests,
    maxInFlight: () => maxInFlight,
    addBuffer(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      files.set(sha256, { kind: 'buffer', bytes });
      return sha256;
    },
    addFile(path, sha256, size) {
      files.set(sha256, { kind: 'file', path, size });
    },
    setFault(fault, times = Number.POSITIVE_INFINITY) {
      plan = [{ fault, times }];
    },
    thenFault(fault, times = Number.POSITIVE_INFINITY) {
      plan.push({ fault, times });
    },
    clearFault() {
      plan = [];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes the response by hand so a fault can break HTTP in ways Node's server would not allow. */
async function sendRaw(
  socket: Socket,
  status: number,
  headers: Record<string, string | number>,
  bytes: Buffer,
  fault: Fault | null,
  delayMs: number,
): Promise<void> {
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  if (!(await write(socket, Buffer.from(head)))) return;
  const breakAt = fault && 'atByte' in fault ? Math.min(fault.atByte, bytes.length) : bytes.length;
  let body = bytes;
  if (fault?.kind === 'corrupt' && fault.atByte < bytes.length) {
    body = Buffer.from(bytes);
    body[fault.atByte] = body[fault.atByte]! ^ 0xff;
  }
  for (let pos = 0; pos < breakAt; pos += CHUNK) {
    if (!(await write(socket, body.subarray(pos, Math.min(pos + CHUNK, breakAt))))) return;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  }
  if (fault?.kind === 'stall') return; // keep the socket open and silent until the client gives up
  if (fault?.kind === 'reset') return void socket.resetAndDestroy();
  if (fault?.kind === 'truncate' || fault?.kind === 'wrong-length') return void socket.end();
  if (breakAt < body.length) {
    for (let pos = breakAt; pos < body.length; pos += CHUNK)
      if (!(await write(socket, body.subarray(pos, Math.min(pos + CHUNK, body.length))))) return;
  }
  socket.end();
}

function write(socket: Socket, chunk: Buffer): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    socket.write(chunk, (err) => resolve(!err));
  });
}
