import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as electron from 'electron';
import { CRASH_TIMES_FILE, installCrashRestart } from '../apps/desktop/crash-restart';
import { captureAppLogger } from './fakes/services';

const API_KEY = 'ak_live_4f9c2e1b7d8a6f3e';
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkYmdNV1MzS0VIRSIsImV4cCI6MTk5OTk5OTk5OX0.3q2-7w_yZ5lT0nXQYk9bS1bYkq1E4o2bN0cR8dW9xQk';
const MINUTE = 60_000;
const fake = electron as unknown as typeof import('./fakes/electron');

let stateDir: string;
/** The folder the test created; a test may point stateDir below it, so this is what gets removed. */
let tempRoot: string;

beforeEach(() => {
  tempRoot = mkdtempSync(path.join(os.tmpdir(), 'aether-crash-restart-'));
  stateDir = tempRoot;
});
afterEach(() => rmSync(tempRoot, { recursive: true, force: true }));

/** One process lifetime: a fresh app and process, the same stateDir, the clock at `now`. */
function startProcess({ packaged = true, now = 0, secrets = [] as string[] } = {}) {
  fake.resetFakeElectron({ packaged });
  const processEvents = new EventEmitter();
  const capture = captureAppLogger(secrets);
  installCrashRestart({ app: fake.app, processEvents, packaged, stateDir, logger: capture.logger, clock: () => now });
  return { processEvents, capture, calls: fake.app.calls };
}

async function crash(now: number, reason: unknown = new Error('boom'), kind = 'uncaughtException') {
  const run = startProcess({ now });
  run.processEvents.emit(kind, reason);
  await vi.waitFor(() => expect(run.calls.exit).toEqual([1]));
  return run;
}

describe('installCrashRestart in the packaged app', () => {
  it('logs an uncaught exception once at fatal level, relaunches and exits 1', async () => {
    const { calls, capture } = await crash(0);
    expect(calls.relaunch).toHaveLength(1);
    const fatal = capture.lines.filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ kind: 'uncaughtException', err: { type: 'Error', message: 'boom' } });
  });

  it('handles an unhandled rejection the same way', async () => {
    const { calls, capture } = await crash(0, new Error('rejected'), 'unhandledRejection');
    expect(calls.relaunch).toHaveLength(1);
    expect(capture.lines.filter((l) => l.level === 60)).toMatchObject([
      { kind: 'unhandledRejection', err: { message: 'rejected' } },
    ]);
  });

  it('a second error while the first is handled does not relaunch or log twice', async () => {
    const run = startProcess();
    run.processEvents.emit('uncaughtException', new Error('first'));
    run.processEvents.emit('unhandledRejection', new Error('second'));
    await vi.waitFor(() => expect(run.calls.exit).toEqual([1]));
    expect(run.calls.relaunch).toHaveLength(1);
    expect(run.capture.lines.filter((l) => l.level === 60)).toHaveLength(1);
  });

  it('does not relaunch on the third crash within 5 minutes and says who takes over', async () => {
    expect((await crash(0)).calls.relaunch).toHaveLength(1);
    expect((await crash(2 * MINUTE)).calls.relaunch).toHaveLength(1);
    const third = await crash(4 * MINUTE);
    expect(third.calls.relaunch).toHaveLength(0);
    expect(third.calls.exit).toEqual([1]);
    expect(third.capture.messages().join('\n')).toMatch(/crash loop.*OS supervisor.*ops/);
  });

  it('keeps relaunching when the crashes are more than 5 minutes apart', async () => {
    // Every crash has one neighbour within 5 minutes, never two.
    for (const minute of [0, 4, 5.5, 9.6, 11]) expect((await crash(minute * MINUTE)).calls.relaunch).toHaveLength(1);
    const kept = JSON.parse(readFileSync(path.join(stateDir, CRASH_TIMES_FILE), 'utf8')) as { crashes: number[] };
    expect(kept.crashes).toEqual([9.6 * MINUTE, 11 * MINUTE]);
  });

  it('treats a corrupt crash-times file as no crashes', async () => {
    writeFileSync(path.join(stateDir, CRASH_TIMES_FILE), '{"crashes": [0, 1, 2');
    expect((await crash(3)).calls.relaunch).toHaveLength(1);
    writeFileSync(path.join(stateDir, CRASH_TIMES_FILE), '{"crashes": "many"}');
    expect((await crash(4)).calls.relaunch).toHaveLength(1);
  });

  it('does not relaunch when the crash times cannot be saved, so a loop cannot run unguarded', async () => {
    writeFileSync(path.join(stateDir, 'blocker'), '');
    stateDir = path.join(stateDir, 'blocker');
    const { calls, capture } = await crash(0);
    expect(calls.relaunch).toHaveLength(0);
    expect(capture.messages()).toContain('crash times could not be saved');
  });

  it('logs no API key or JWT from the error message, and no stack', async () => {
    const run = startProcess({ secrets: [API_KEY] });
    run.processEvents.emit('uncaughtException', new Error(`401: X-Api-Key ${API_KEY} rejected, bearer ${JWT}`));
    await vi.waitFor(() => expect(run.calls.exit).toEqual([1]));
    const text = JSON.stringify(run.capture.lines);
    expect(text).toContain('401: X-Api-Key');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(JWT.split('.')[1]);
    expect(text).not.toContain('stack');
  });
});

describe('installCrashRestart in development', () => {
  it('only logs the crash: no relaunch, no exit, no crash-times file', async () => {
    const run = startProcess({ packaged: false });
    run.processEvents.emit('uncaughtException', new Error('dev boom'));
    run.processEvents.emit('unhandledRejection', new Error('dev rejection'));
    expect(run.capture.lines.filter((l) => l.level === 60)).toMatchObject([
      { err: { message: 'dev boom' } },
      { err: { message: 'dev rejection' } },
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(run.calls.relaunch).toHaveLength(0);
    expect(run.calls.exit).toHaveLength(0);
    expect(() => readFileSync(path.join(stateDir, CRASH_TIMES_FILE))).toThrow();
  });
});
