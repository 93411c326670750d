// Debian's nginx as the file server of the network benchmarks: `sendfile on`, the served folder laid
// out as `/v3/files/<sha256>`, its own temporary prefix and configuration (never the system service),
// in the foreground as a child of the bench (optionally inside a network namespace), stopped on every
// exit path. One worker: the server should be cheap, and its CPU is read per run from /proc.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onAnyExit, removeOnAnyExit } from './exit-cleanup';

const run = promisify(execFile);

export interface NginxServer {
  /** Base URL, e.g. `http://10.213.7.1:8080`. */
  url: string;
  pid: number;
  /** User + system CPU-seconds the worker processes have used so far. */
  workerCpuSeconds(): number;
  close(): Promise<void>;
}

export interface NginxOptions {
  /** Folder holding `v3/files/<sha256>`. */
  root: string;
  /** The host of the URL (and of the probe). */
  host: string;
  /** What nginx listens on; `host` unless given (e.g. `0.0.0.0` for every path into a namespace). */
  listenHost?: string;
  port: number;
  /** Run inside this network namespace. */
  netns?: string;
  /** A served hash, fetched (from `probeNetns`, if given) to know the server is up. */
  probeSha256: string;
  probeNetns?: string;
}

export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  const prefix = await mkdtemp(path.join(os.tmpdir(), 'aether-nginx-'));
  const forgetPrefix = removeOnAnyExit(prefix);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(path.join(prefix, d));
  const config = path.join(prefix, 'nginx.conf');
  await writeFile(
    config,
    `daemon off;
master_process on;
user root;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen ${options.listenHost ?? options.host}:${options.port};
    root ${options.root};
    location /v3/files/ { }
  }
}
`,
  );
  const argv = [
    ...(options.netns ? ['ip', 'netns', 'exec', options.netns] : []),
    'nginx',
    '-p',
    prefix,
    '-c',
    config,
    '-e',
    path.join(prefix, 'error.log'),
  ];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const unregister = onAnyExit(kill);
  const url = `http://${options.host}:${options.port}`;
  const close = async () => {
    kill();
    await exited;
    unregister();
    await rm(prefix, { recursive: true, force: true });
    forgetPrefix();
  };
  try {
    await waitUntilServing(
      `${url}/v3/files/${options.probeSha256}`,
      options.probeNetns,
      () => child.exitCode !== null,
      () => stderr,
    );
  } catch (err) {
    await close();
    throw err;
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    workerCpuSeconds: () => childPids(pid).reduce((sum, p) => sum + processCpuSeconds(p), 0),
    close,
  };
}

async function waitUntilServing(
  url: string,
  netns: string | undefined,
  gone: () => boolean,
  stderr: () => string,
): Promise<void> {
  const argv = [
    ...(netns ? ['ip', 'netns', 'exec', netns] : []),
    'curl',
    '-sf',
    '-o',
    '/dev/null',
    '--max-time',
    '5',
    url,
  ];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (gone()) throw new Error(`nginx exited before it served: ${stderr().trim()}`);
    try {
      await run(argv[0]!, argv.slice(1));
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nginx did not serve ${url} within 10 s: ${stderr().trim()}`);
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// USER_HZ: 100 on Linux for every architecture this runs on (`getconf CLK_TCK`).
const TICKS_PER_SECOND = 100;

/** utime + stime of one process from /proc/<pid>/stat (fields 14 and 15, after the command name). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for nginx to take). */
export async function freeLoopbackPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
