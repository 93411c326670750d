import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import stringWidth from 'string-width';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { useCleanups } from './support/cleanups';

/**
 * The prefetch display as a person sees it: the real CLI in a real terminal (tmux) at 40, 60, 80
 * and 120 columns, downloads slowed so the live area is redrawn many times. Every capture, during
 * the run and at the end, is taken with wrapped lines joined (-J), so a line the terminal had to
 * wrap shows up as one line wider than the pane; at the end, only the permanent lines may be left.
 */

const run = promisify(execFile);
const cleanups = useCleanups();
const BIN = path.join(process.cwd(), 'bin', 'aether-native.mjs');
const MIB = 1024 * 1024;

// Long names, a wide-character (CJK) name and an emoji: the layout must measure columns, not characters.
const FILES = [
  { filename: 'Opening keynote — final final v7 (do not edit).pptx', size: 3 * MIB },
  { filename: '年次報告書プレゼンテーション最終版.key', size: 2 * MIB },
  { filename: 'Sponsor reel 🎬 4K.mp4', size: 2.5 * MIB },
  { filename: 'agenda.pdf', size: 200 * 1024 },
];

let sim: Simulator | undefined;
let proxy: http.Server | undefined;
let proxyUrl: string;

/** Forwards to the simulator; file bodies go out 64 KiB at a time with a pause, so a run takes seconds. */
async function startSlowProxy(target: Simulator): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!req.url?.startsWith('/v3/files/')) return void up.pipe(res);
        up.on('data', (chunk: Buffer) => {
          up.pause();
          res.write(chunk, () => setTimeout(() => up.resume(), 12));
        });
        up.on('end', () => res.end());
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  await run('tmux', ['-V']).catch(() => {
    throw new Error(
      'tmux is needed to test the prefetch display in a real terminal: apt-get install -y tmux (.ci/run installs it)',
    );
  });
  sim = await startSimulator({ files: FILES });
  proxy = await startSlowProxy(sim);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const server = proxy;
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await sim?.close();
});

async function capture(socket: string): Promise<string[]> {
  const { stdout } = await run('tmux', ['-S', socket, 'capture-pane', '-p', '-J', '-S', '-', '-t', 'prefetch']);
  return stdout.replace(/\n+$/, '').split('\n');
}

function tooWide(lines: string[], width: number): string[] {
  return lines.filter((line) => stringWidth(line) > width);
}

describe('prefetch progress in a real terminal', () => {
  it.each([40, 60, 80, 120])(
    'at %i columns: no line wider than the terminal, no fragments, the final screen whole',
    { timeout: 180_000 },
    async (width) => {
      const dir = await cleanups.tempDir('prefetch-tmux');
      const socket = path.join(dir, 'tmux.sock');
      const seed = path.join(dir, 'seed.json');
      await writeFile(seed, JSON.stringify(sim!.demoSeed({ primary_api_base_url: proxyUrl })));
      const cacheDir = path.join(dir, 'cache');
      const command = `node ${JSON.stringify(BIN)} prefetch --seed ${JSON.stringify(seed)} --cache-dir ${JSON.stringify(cacheDir)}; echo "EXIT=$?"; sleep 600`;
      const env = { ...process.env, HOME: dir, TERM: 'xterm-256color' };
      await run(
        'tmux',
        [
          '-S',
          socket,
          '-f',
          '/dev/null',
          'new-session',
          '-d',
          '-s',
          'prefetch',
          '-x',
          String(width),
          '-y',
          '30',
          command,
        ],
        { env },
      );
      cleanups.push(() => run('tmux', ['-S', socket, 'kill-server']).catch(() => undefined));

      let lines: string[] = [];
      let snapshots = 0;
      let sawLiveArea = false;
      for (let i = 0; i < 1_500; i += 1) {
        lines = await capture(socket);
        snapshots += 1;
        expect(tooWide(lines, width), `snapshot ${snapshots}`).toEqual([]);
        if (lines.some((l) => l.startsWith('total '))) sawLiveArea = true;
        if (lines.some((l) => l.startsWith('EXIT='))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(lines.find((l) => l.startsWith('EXIT='))).toBe('EXIT=0');
      expect(sawLiveArea).toBe(true);

      // The final screen: the header (wrapped by us into continuation lines indented by 4), one ✓ per
      // file, the closing line (wrapped likewise), the exit line; no bar, no total, no fragment.
      const final = lines.map((l) => l.trimEnd()).filter((l) => l !== '');
      const exitAt = final.findIndex((l) => l.startsWith('EXIT='));
      const body = final.slice(0, exitAt);
      const kinds = body.map((l) =>
        l.startsWith('prefetch ')
          ? 'header'
          : l.startsWith('✓ ')
            ? 'done'
            : l.startsWith('all ')
              ? 'summary'
              : l.startsWith('    ')
                ? 'continued'
                : `stray: ${l}`,
      );
      expect(kinds.filter((k) => k.startsWith('stray'))).toEqual([]);
      expect(kinds.filter((k) => k === 'done')).toHaveLength(FILES.length);
      expect(kinds[0]).toBe('header');
      const summaryAt = kinds.indexOf('summary');
      expect(summaryAt).toBeGreaterThan(kinds.lastIndexOf('done'));
      expect(kinds.slice(summaryAt + 1).every((k) => k === 'continued')).toBe(true);
      // Joined back, the wrapped lines say the whole sentence (a path may be cut mid-word, so compare without spaces).
      const unspaced = (text: string) => text.replace(/\s+/g, '');
      expect(unspaced(body.slice(summaryAt).join(''))).toBe(
        unspaced(`all ${FILES.length} files present and verified in ${cacheDir}`),
      );
      for (const file of FILES) {
        const done = body.find(
          (l) =>
            l.startsWith('✓ ') &&
            l.includes(
              `(${file.size / MIB >= 1 ? `${(file.size / MIB).toFixed(1)} MiB` : `${(file.size / 1024).toFixed(1)} KiB`})`,
            ),
        );
        expect(done, file.filename).toBeDefined();
      }
      if (width >= 80) for (const file of FILES) expect(body.some((l) => l.includes(file.filename))).toBe(true);
    },
  );
});
