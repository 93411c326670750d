import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AuthResponse, Health } from '../contracts/api';
import { UsageError, type CliIo } from '../apps/cli/command';
import { main } from '../apps/cli/main';
import { runSimulate } from '../apps/cli/commands/simulate';

function capture(): { io: CliIo; stdout: () => string; stderr: () => string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => (stdout += c.toString()));
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  return { io: { stdout: out, stderr: err, env: {} }, stdout: () => stdout, stderr: () => stderr };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(check()).toBe(true);
}

describe('aether-native simulate', () => {
  it('prints a seed that parses and works against the running simulator, then stops on abort', async () => {
    const { io, stdout, stderr } = capture();
    const stop = new AbortController();
    const running = runSimulate([], io, stop.signal);
    await waitFor(() => stderr().includes('Launcher page:'));
    const seed = JSON.parse(stdout()) as {
      event_device_id: string;
      primary_api_base_url: string;
      aether_api_key: string;
    };
    expect(seed.event_device_id).toBe('dbgMWS3KEHE');
    expect(seed.primary_api_base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stderr()).toContain(`${seed.primary_api_base_url}/events/ev_2026_summit/launcher/loc_ballroom_a`);
    const auth = await fetch(`${seed.primary_api_base_url}/v3/auth/device`, {
      method: 'POST',
      headers: { 'X-Api-Key': seed.aether_api_key },
      body: JSON.stringify({ event_device_id: seed.event_device_id }),
    });
    expect(AuthResponse.safeParse(await auth.json()).success).toBe(true);
    stop.abort();
    expect(await running).toBe(0);
    await expect(fetch(`${seed.primary_api_base_url}/v3/health`)).rejects.toThrow();
  });

  it('listens on the port it is given', async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const { io, stdout } = capture();
    const stop = new AbortController();
    const running = runSimulate(['--port', String(free)], io, stop.signal);
    await waitFor(() => stdout().trim().endsWith('}'));
    expect(Health.parse(await (await fetch(`http://127.0.0.1:${free}/v3/health`)).json())).toEqual({ ok: true });
    stop.abort();
    expect(await running).toBe(0);
  });

  it('refuses a bad --port or unknown option as a usage error with exit code 2', async () => {
    for (const args of [
      ['--port', 'abc'],
      ['--port', '70000'],
      ['--port', '-1'],
      ['--port', '8080x'],
      ['--bogus'],
      ['extra'],
    ]) {
      await expect(runSimulate(args, capture().io, AbortSignal.abort()), args.join(' ')).rejects.toBeInstanceOf(
        UsageError,
      );
    }
    const { io, stderr } = capture();
    expect(await main(['simulate', '--port', 'abc'], io)).toBe(2);
    expect(stderr()).toMatch(/--port must be a number from 0 to 65535, got "abc"/);
    expect(stderr()).not.toMatch(/\n\s+at /);
  });

  it('says plainly when the port is taken', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      await expect(runSimulate(['--port', String(port)], capture().io, AbortSignal.abort())).rejects.toThrow(
        /already in use/,
      );
    } finally {
      blocker.close();
    }
  });

  it('runs as a real process through bin/aether-native.mjs and exits cleanly on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../bin/aether-native.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'simulate'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 400 && !stderr.includes('Launcher page:'); i += 1)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const seed = JSON.parse(stdout) as { primary_api_base_url: string };
      expect((await fetch(`${seed.primary_api_base_url}/v3/health`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('simulator stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
