import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronOpener } from '../apps/desktop/opener.electron';
import { createLaunchHandover, OpenFailedError } from '../kiosk/launch-handover';
import { resetFakeElectron, shell } from './fakes/electron';
import { makeCache, makeTempDir } from './launch-fixtures';

let base: string;

beforeEach(async () => {
  resetFakeElectron();
  base = await makeTempDir('launch-opener');
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

describe('electronOpener (shell.openPath at the Electron edge)', () => {
  it('hands shell.openPath the temp copy, never the cache file', async () => {
    const cache = await makeCache(path.join(base, 'cache'));
    const { sha256, file } = await cache.add(randomBytes(64));
    const handover = createLaunchHandover({
      cache: cache.lookup,
      tempRoot: () => path.join(base, 'launch'),
      opener: electronOpener(),
    });

    const result = await handover.open({ sha256, filename: 'Keynote.pptx' });

    expect(shell.opened).toEqual([result.path]);
    expect(shell.opened).not.toContain(file);
  });

  it("turns openPath's error string into an OpenFailedError with that reason", async () => {
    shell.openPathResult = 'Failed to open path';
    const error = await electronOpener()('/launch/abc/deck.pptx').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenFailedError);
    expect(error).toMatchObject({
      reason: 'Failed to open path',
      message: 'The operating system could not open "deck.pptx": Failed to open path',
    });
  });

  it('resolves when openPath answers with the empty string', async () => {
    await expect(electronOpener()('/launch/abc/deck.pptx')).resolves.toBeUndefined();
    expect(shell.opened).toEqual(['/launch/abc/deck.pptx']);
  });
});
