import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Cleanups } from './cleanups';

/**
 * A `/v3/files/{sha256}` server on loopback whose responses can be held: while `holding`, each
 * response sends its head and its first `headBytes` bytes, then waits until `releaseAll()`. It
 * records every request in arrival order (hash and Range) and how many responses were being sent at
 * once, so tests assert the order and the concurrency of the client's work, never its timing.
 */
export interface GateServer {
  url: string;
  requests: { sha256: string; range: string | null }[];
  /** Responses being sent now, and the most at once since `resetMax`. */
  inFlight(): number;
  maxInFlight(): number;
  resetMax(): void;
  holding: boolean;
  /** Lets every held response finish, and stops holding new ones. */
  releaseAll(): void;
  /** Lets the responses held now finish; new ones are still held. */
  releaseHeld(): void;
}

export async function startGateServer(
  cleanups: Cleanups,
  files: ReadonlyMap<string, Buffer>,
  headBytes = 1536 * 1024,
): Promise<GateServer> {
  const requests: GateServer['requests'] = [];
  const sockets = new Set<Socket>();
  let waiters: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const state: { holding: boolean } = { holding: true };
  const server = http.createServer((req, res) => {
    const sha256 = /^\/v3\/files\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1] ?? '';
    const bytes = files.get(sha256);
    requests.push({ sha256, range: req.headers.range ?? null });
    if (!bytes) return void res.writeHead(404).end();
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = bytes.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    };
    if (start > 0) headers['content-range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    if (!state.holding) return void res.end(body);
    res.write(body.subarray(0, headBytes));
    waiters.push(() => {
      if (!res.destroyed) res.end(body.subarray(headBytes));
    });
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    resetMax: () => (maxInFlight = inFlight),
    get holding() {
      return state.holding;
    },
    set holding(value: boolean) {
      state.holding = value;
    },
    releaseAll() {
      state.holding = false;
      for (const wake of waiters.splice(0)) wake();
    },
    releaseHeld() {
      for (const wake of waiters.splice(0)) wake();
    },
  };
}
