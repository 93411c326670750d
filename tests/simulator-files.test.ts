import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventFile, EventFileList } from '../contracts/api';
import { startSimulator, type Simulator } from '../apps/simulator/index';

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator();
  dir = await mkdtemp(path.join(tmpdir(), 'aether-sim-files-'));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keyed = (extra: Record<string, string> = {}) => ({ 'X-Api-Key': sim.apiKey, ...extra });

function file(name: string): EventFile {
  const found = sim.demo.files.find((f) => f.filename === name);
  if (!found) throw new Error(`demo file ${name} missing`);
  return found;
}

async function bytes(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

describe('simulator: file bytes', () => {
  it('serves every demo file whole, hashing to its advertised sha256, with ETag and Content-Length', async () => {
    for (const f of sim.demo.files) {
      const res = await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed() });
      expect(res.status, f.filename).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${f.sha256}"`);
      expect(res.headers.get('content-length')).toBe(String(f.size));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      const body = await bytes(res);
      expect(body.length).toBe(f.size);
      expect(sha(body), f.filename).toBe(f.sha256);
    }
  });

  it('accepts a bearer token instead of the key, and refuses neither with 401', async () => {
    const f = file('Agenda.txt');
    const auth = await fetch(`${sim.url}/v3/auth/device`, {
      method: 'POST',
      headers: keyed({ 'Content-Type': 'application/json' }),
      body: JSON.stringify({ event_device_id: 'dbgMWS3KEHE' }),
    });
    const { token } = (await auth.json()) as { token: string };
    expect(
      (await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect((await fetch(`${sim.url}/v3/files/${f.sha256}`)).status).toBe(401);
    expect((await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: { 'X-Api-Key': 'wrong' } })).status).toBe(401);
  });

  it('answers 404 for an unknown hash', async () => {
    const res = await fetch(`${sim.url}/v3/files/${'0'.repeat(64)}`, { headers: keyed() });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/sha256/);
    expect((await fetch(`${sim.url}/v3/files/not-a-hash`, { headers: keyed() })).status).toBe(404);
  });

  it('serves ranges as 206 with Content-Range and the right bytes, including mid-block offsets', async () => {
    const f = file('Welcome.key');
    const whole = await bytes(await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed() }));
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=5-20', 5, 20],
      ['bytes=17-100000', 17, 100000],
      [`bytes=${f.size - 10}-`, f.size - 10, f.size - 1],
      ['bytes=-33', f.size - 33, f.size - 1],
      [`bytes=1000-${f.size + 500}`, 1000, f.size - 1],
    ];
    for (const [header, start, end] of cases) {
      const res = await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed({ Range: header }) });
      expect(res.status, header).toBe(206);
      expect(res.headers.get('content-range'), header).toBe(`bytes ${start}-${end}/${f.size}`);
      expect(res.headers.get('content-length'), header).toBe(String(end - start + 1));
      expect((await bytes(res)).equals(whole.subarray(start, end + 1)), header).toBe(true);
    }
  });

  it('resumes a large file across a 2 MiB chunk boundary exactly', async () => {
    const f = file('Sponsors loop.mp4');
    const cut = 2 * 1024 * 1024 - 7;
    const head = await bytes(
      await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed({ Range: `bytes=0-${cut - 1}` }) }),
    );
    const tail = await bytes(
      await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed({ Range: `bytes=${cut}-` }) }),
    );
    expect(sha(Buffer.concat([head, tail]))).toBe(f.sha256);
  });

  it('answers 416 with Content-Range */size for an unsatisfiable range, and ignores ranges it does not understand', async () => {
    const f = file('Agenda.txt');
    for (const header of [`bytes=${f.size}-`, `bytes=${f.size + 10}-${f.size + 20}`, 'bytes=-0']) {
      const res = await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed({ Range: header }) });
      expect(res.status, header).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${f.size}`);
    }
    for (const header of ['items=0-5', 'bytes=0-1,5-6', 'bytes=9-3', 'bytes=abc']) {
      const res = await fetch(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed({ Range: header }) });
      expect(res.status, header).toBe(200);
      expect((await bytes(res)).length).toBe(f.size);
    }
  });

  it('honours If-Range: a stale validator gets the whole file', async () => {
    const f = file('Speaker notes.pdf');
    const fresh = await fetch(`${sim.url}/v3/files/${f.sha256}`, {
      headers: keyed({ Range: 'bytes=0-9', 'If-Range': `"${f.sha256}"` }),
    });
    expect(fresh.status).toBe(206);
    const stale = await fetch(`${sim.url}/v3/files/${f.sha256}`, {
      headers: keyed({ Range: 'bytes=0-9', 'If-Range': '"other"' }),
    });
    expect(stale.status).toBe(200);
    expect((await bytes(stale)).length).toBe(f.size);
  });

  it('answers HEAD with the headers and no body', async () => {
    const f = file('Keynote.pptx');
    const res = await fetch(`${sim.url}/v3/files/${f.sha256}`, { method: 'HEAD', headers: keyed() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(f.size));
    expect((await bytes(res)).length).toBe(0);
  });

  it('survives a client that hangs up mid-transfer', async () => {
    const f = file('Keynote.pptx');
    await new Promise<void>((resolve, reject) => {
      const req = request(`${sim.url}/v3/files/${f.sha256}`, { headers: keyed() }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? resolve() : reject(err)));
      req.end();
    });
    expect((await fetch(`${sim.url}/v3/health`)).status).toBe(200);
  });
});

describe('simulator: determinism and added files', () => {
  it('advertises identical hashes from two simulators, and different seeds give different bytes', async () => {
    const other = await startSimulator();
    try {
      expect(other.demo.files).toEqual(sim.demo.files);
      expect(new Set(sim.demo.files.map((f) => f.sha256)).size).toBe(sim.demo.files.length);
    } finally {
      await other.close();
    }
  });

  it('adds a generated file that is listed, served and reproducible from its seed', async () => {
    const added = await sim.addFile({ filename: 'Extra.pptx', size: 3_000_001, seed: 'extra' });
    expect(EventFile.parse(added)).toEqual(added);
    const again = await startSimulator({ files: [{ filename: 'Extra.pptx', size: 3_000_001, seed: 'extra' }] });
    try {
      expect(again.demo.files[0]?.sha256).toBe(added.sha256);
    } finally {
      await again.close();
    }
    const body = await bytes(await fetch(`${sim.url}/v3/files/${added.sha256}`, { headers: keyed() }));
    expect(sha(body)).toBe(added.sha256);
    const auth = await fetch(`${sim.url}/v3/auth/device`, {
      method: 'POST',
      headers: keyed(),
      body: JSON.stringify({ event_device_id: 'dbgMWS3KEHE' }),
    });
    const { token } = (await auth.json()) as { token: string };
    const list = EventFileList.parse(
      await (
        await fetch(`${sim.url}/v3/crud/event_file?event_id=ev_2026_summit`, {
          headers: { Authorization: `Bearer ${token}` },
        })
      ).json(),
    );
    expect(list.items.map((f) => f.sha256)).toContain(added.sha256);
  });

  it('adds a file from disk, hashing it once, and serves its exact bytes whole and by range', async () => {
    const content = randomBytes(5 * 1024 * 1024 + 123);
    const filePath = path.join(dir, 'from-disk.bin');
    await writeFile(filePath, content);
    const added = await sim.addFile({ filename: 'Recorded talk.mov', path: filePath });
    expect(added.sha256).toBe(sha(content));
    expect(added.size).toBe(content.length);
    const whole = await bytes(await fetch(`${sim.url}/v3/files/${added.sha256}`, { headers: keyed() }));
    expect(whole.equals(content)).toBe(true);
    const part = await fetch(`${sim.url}/v3/files/${added.sha256}`, {
      headers: keyed({ Range: 'bytes=4194300-4194400' }),
    });
    expect(part.status).toBe(206);
    expect((await bytes(part)).equals(content.subarray(4194300, 4194401))).toBe(true);
  });

  it('serves an empty file', async () => {
    const empty = await sim.addFile({ filename: 'empty.txt', size: 0 });
    const res = await fetch(`${sim.url}/v3/files/${empty.sha256}`, { headers: keyed() });
    expect(res.status).toBe(200);
    expect((await bytes(res)).length).toBe(0);
    expect(empty.sha256).toBe(sha(Buffer.alloc(0)));
  });

  it('refuses bad file specs with a message that names the file', async () => {
    await expect(sim.addFile({ filename: 'gone.pptx', path: path.join(dir, 'missing.bin') })).rejects.toThrow(
      /gone\.pptx.*ENOENT/,
    );
    await expect(sim.addFile({ filename: 'folder', path: dir })).rejects.toThrow(/not a regular file/);
    await expect(sim.addFile({ filename: 'neg.bin', size: -1 })).rejects.toThrow(/neg\.bin.*non-negative/);
    await expect(sim.addFile({ filename: '', size: 1 })).rejects.toThrow(/filename/);
  });
});
