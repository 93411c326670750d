import { describe, expect, it } from 'vitest';
import { replay } from '../base/machine';
import {
  describeUpdateFailure,
  failedUpdate,
  type UpdateEvent,
  type UpdateFailure,
  type UpdateState,
  updateStep,
} from '../update-helper/update-state';

/** The update's transitions through its pure step: no share, no hashing, no staging. */

const idle: UpdateState = { kind: 'idle' };
const run = (events: UpdateEvent[], from: UpdateState = idle) => replay(updateStep, from, events);

describe('update step', () => {
  it('goes idle → seen → waiting-for-payload → verifying → staged → applying', () => {
    const { states } = run([
      { type: 'seen', version: '1.5.0', notes: 'n' },
      { type: 'payload-waiting', version: '1.5.0', file: 'A.zip', have: 10, need: 100 },
      { type: 'payload-waiting', version: '1.5.0', file: 'A.zip', have: 60, need: 100 },
      { type: 'verifying', version: '1.5.0', file: 'A.zip' },
      { type: 'staged', version: '1.5.0', stagedPath: '/staging/1.5.0/App', notes: 'n' },
      { type: 'applying', version: '1.5.0' },
    ]);
    expect(states.map((s) => s.kind)).toEqual([
      'seen',
      'waiting-for-payload',
      'waiting-for-payload',
      'verifying',
      'staged',
      'applying',
    ]);
  });

  it('does not announce a release again while its payload is still syncing, but does announce another version', () => {
    const waiting = run([{ type: 'payload-waiting', version: '1.5.0', file: 'A.zip', have: 1, need: 2 }]).state;
    expect(run([{ type: 'seen', version: '1.5.0' }], waiting).state).toBe(waiting);
    expect(run([{ type: 'seen', version: '1.6.0' }], waiting).state).toEqual({ kind: 'seen', version: '1.6.0' });
  });

  it('the same state again is no change, field by field (what replaced the JSON.stringify comparison)', () => {
    const staged = run([{ type: 'staged', version: '1.5.0', stagedPath: '/s' }]).state;
    expect(run([{ type: 'staged', version: '1.5.0', stagedPath: '/s' }], staged).states).toEqual([]);
    expect(
      run([{ type: 'staged', version: '1.5.0', stagedPath: '/s', notes: 'new notes' }], staged).states,
    ).toHaveLength(1);
    const ignored = run([{ type: 'ignored', note: 'not newer' }]).state;
    expect(run([{ type: 'ignored', note: 'not newer' }], ignored).states).toEqual([]);
    const failed = run([
      { type: 'failed', failure: { code: 'payload-hash-mismatch', version: '1.5.0', file: 'A.zip' } },
    ]).state;
    expect(
      run([{ type: 'failed', failure: { code: 'payload-hash-mismatch', version: '1.5.0', file: 'A.zip' } }], failed)
        .states,
    ).toEqual([]);
  });

  it('once applying, only a failed hand-over moves it: an evaluation still in flight cannot pull it back', () => {
    const applying: UpdateState = { kind: 'applying', version: '1.5.0' };
    expect(
      run(
        [
          { type: 'verifying', version: '1.6.0', file: 'B.zip' },
          { type: 'failed', failure: { code: 'version-json-syntax', detail: 'x' } },
        ],
        applying,
      ).state,
    ).toBe(applying);
    expect(
      run(
        [{ type: 'failed', failure: { code: 'handover-failed', version: '1.5.0', detail: 'spawn EACCES' } }],
        applying,
      ).state,
    ).toMatchObject({ kind: 'failed', failure: { code: 'handover-failed' } });
  });
});

describe('every update failure code: its state and its one sentence', () => {
  const cases: Array<[UpdateFailure, string]> = [
    [
      { code: 'version-json-refused', detail: 'is a symbolic link; it is never followed' },
      'version.json in the share is refused: is a symbolic link; it is never followed; waiting for a corrected file',
    ],
    [
      { code: 'share-unreadable', detail: 'EIO' },
      'Checking the share for an update failed (EIO); the next change or re-scan tries again',
    ],
    [
      { code: 'version-json-syntax', detail: 'is not valid JSON (line 1, column 3)' },
      'version.json in the share is not valid JSON (line 1, column 3); waiting for a corrected file',
    ],
    [
      { code: 'version-json-invalid', issues: ['file: must not start with a dot', 'sha256: Invalid'] },
      'version.json in the share is invalid: file: must not start with a dot; sha256: Invalid; waiting for a corrected file',
    ],
    [
      { code: 'payload-too-large', version: '1.5.0', file: 'A.zip', have: 300, need: 200 },
      'A.zip is 300 bytes but version.json says 200; waiting for a corrected file',
    ],
    [
      { code: 'payload-not-a-file', version: '1.5.0', file: 'A.zip', what: 'a symbolic link' },
      'A.zip in the share is a symbolic link, not a regular file; it is never followed or read; waiting for a corrected file',
    ],
    [
      { code: 'payload-hash-mismatch', version: '1.5.0', file: 'A.zip' },
      'A.zip does not match the SHA-256 in version.json; waiting for a corrected file',
    ],
    [
      {
        code: 'staging-refused',
        version: '1.5.0',
        detail: 'Self-update from the share is not supported on Windows; run the new installer instead.',
      },
      'Self-update from the share is not supported on Windows; run the new installer instead.',
    ],
    [
      { code: 'staging-failed', version: '1.5.0', detail: 'ENOSPC: no space left on device' },
      'Staging 1.5.0 failed: ENOSPC: no space left on device',
    ],
    [
      { code: 'handover-failed', version: '1.5.0', detail: 'spawn update_helper.sh EACCES' },
      'Could not hand the update to the swap helper: spawn update_helper.sh EACCES',
    ],
  ];

  it('covers every code exactly once', () => {
    expect(cases.map(([f]) => f.code).sort()).toEqual([
      'handover-failed',
      'payload-hash-mismatch',
      'payload-not-a-file',
      'payload-too-large',
      'share-unreadable',
      'staging-failed',
      'staging-refused',
      'version-json-invalid',
      'version-json-refused',
      'version-json-syntax',
    ]);
  });

  it.each(cases.map(([failure, sentence]) => [failure.code, failure, sentence] as const))(
    '%s',
    (_code, failure, sentence) => {
      expect(describeUpdateFailure(failure)).toBe(sentence);
      const from: UpdateState =
        failure.code === 'handover-failed'
          ? { kind: 'applying', version: '1.5.0' }
          : { kind: 'verifying', version: '1.5.0', file: 'A.zip' };
      const { state } = run([{ type: 'failed', failure }], from);
      expect(state).toEqual(failedUpdate(failure));
      expect(state).toEqual({
        kind: 'failed',
        failure,
        reason: sentence,
        ...('version' in failure ? { version: failure.version } : {}),
      });
    },
  );
});
