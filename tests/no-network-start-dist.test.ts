import { execFile } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useCleanups } from './support/cleanups';

/**
 * `npm start` and `npm run dist` on a machine that cannot download Electron: each child process points
 * its downloads at a port on 127.0.0.1 that nothing listens on, with empty caches, and must end with a
 * plain explanation and the way forward rather than `TypeError: fetch failed` or a stack trace.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const electronVersion: string = createRequire(import.meta.url)('electron/package.json').version;
const cleanups = useCleanups();

/** A port on 127.0.0.1 that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { ...options, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
      },
    );
  });
}

/** HOME and caches in a fresh folder, every download pointed at the closed port. */
async function offlineEnv(home: string, port: number): Promise<NodeJS.ProcessEnv> {
  const mirror = `http://127.0.0.1:${port}/`;
  await mkdir(path.join(home, '.cache'), { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CACHE_HOME: path.join(home, '.cache'),
    TMPDIR: process.env.TMPDIR,
    electron_config_cache: path.join(home, '.cache', 'electron'),
    ELECTRON_CACHE: path.join(home, '.cache', 'electron'),
    ELECTRON_MIRROR: mirror,
    ELECTRON_BUILDER_BINARIES_MIRROR: mirror,
  };
}

/** The lines that would show a raw failure instead of an explanation. */
function rawFailureLines(text: string): string[] {
  return text.split('\n').filter((line) => /^\s+at |stackTrace=|^TypeError|^RequestError/.test(line));
}

describe('npm start without a network', () => {
  it('explains that Electron cannot be downloaded and points at the simulator', async () => {
    // The real start script, the real electron package's install.js and @electron/get, but in a
    // checkout of its own whose electron has no binary yet, whatever this machine has installed.
    const checkout = await cleanups.tempDir('start-offline');
    await mkdir(path.join(checkout, 'scripts'));
    for (const file of ['start.mjs', 'no-network.mjs'])
      await copyFile(path.join(root, 'scripts', file), path.join(checkout, 'scripts', file));
    const electron = path.join(checkout, 'node_modules', 'electron');
    await mkdir(electron, { recursive: true });
    for (const file of ['package.json', 'install.js', 'checksums.json'])
      await copyFile(path.join(root, 'node_modules', 'electron', file), path.join(electron, file));
    await mkdir(path.join(checkout, 'node_modules', '@electron'));
    await symlink(
      path.join(root, 'node_modules', '@electron', 'get'),
      path.join(checkout, 'node_modules', '@electron', 'get'),
    );
    const port = await closedPort();

    const { code, stdout, stderr } = await runNode(['scripts/start.mjs', '--demo'], {
      cwd: checkout,
      env: await offlineEnv(path.join(checkout, 'home'), port),
    });

    expect(code).toBe(1);
    expect(stderr).toContain(`Aether Native cannot start: the Electron ${electronVersion} binary is not installed yet`);
    expect(stderr).toContain(`cannot reach ELECTRON_MIRROR=http://127.0.0.1:${port}/`);
    expect(stderr).toContain('npx aether-native simulate');
    expect(stderr).toContain('Launcher page');
    expect(rawFailureLines(stdout + stderr)).toEqual([]);
  }, 180_000);
});

describe('npm run dist without a network', () => {
  it('ends with a plain explanation instead of electron-builder’s stack trace', async () => {
    // A minimal app project keeps electron-builder from walking this checkout's dependency tree.
    const project = await cleanups.tempDir('dist-offline');
    await mkdir(path.join(project, 'dist'));
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'aether-native', version: '0.1.0', description: 'stand-in', main: 'dist/main.cjs' }),
    );
    await writeFile(path.join(project, 'dist', 'main.cjs'), '// stand-in\n');
    const port = await closedPort();
    const args = [
      'scripts/dist.mjs',
      '--projectDir',
      project,
      '--linux',
      'dir',
      `-c.electronVersion=${electronVersion}`,
      '-c.npmRebuild=false',
      `-c.directories.output=${path.join(project, 'out')}`,
    ];

    const { code, stdout, stderr } = await runNode(args, {
      cwd: root,
      env: await offlineEnv(path.join(project, 'home'), port),
    });

    expect(code).toBe(1);
    expect(stdout).toContain('electron-builder'); // its progress lines still pass through
    expect(stderr).toContain(
      `npm run dist stopped: electron-builder could not download what it packages with (connect ECONNREFUSED 127.0.0.1:${port})`,
    );
    expect(stderr).toContain(`from ELECTRON_MIRROR=http://127.0.0.1:${port}/`);
    expect(stderr).toContain('docs/RELEASING.md');
    expect(stderr).toContain('npx aether-native simulate');
    expect(rawFailureLines(stdout + stderr)).toEqual([]);
  }, 180_000);
});
