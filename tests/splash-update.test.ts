import { describe, expect, it } from 'vitest';
import { mountUpdateLine, updateLine, type UpdateEvents } from '../apps/desktop/splash/update-line';
import { failedUpdate, type UpdateState, type UpdateStatus } from '../update-helper/update-state';

const status = (state: UpdateState): UpdateStatus => ({ appVersion: '1.3.0', state });

describe('the splash’s update line', () => {
  it('says what the update is doing, and nothing while idle', () => {
    expect(updateLine(status({ kind: 'idle', note: 'updates are off in development builds' }))).toBeNull();
    expect(updateLine(status({ kind: 'seen', version: '1.4.0' }))).toBe('Checking update 1.4.0…');
    expect(updateLine(status({ kind: 'verifying', version: '1.4.0', file: 'a.zip' }))).toBe('Checking update 1.4.0…');
    expect(
      updateLine(status({ kind: 'waiting-for-payload', version: '1.4.0', file: 'a.zip', have: 50, need: 200 })),
    ).toBe('Update 1.4.0 is syncing (25%)');
    expect(updateLine(status({ kind: 'staged', version: '1.4.0', stagedPath: '/x' }))).toBe(
      'Update 1.4.0 staged — restart to apply',
    );
    expect(updateLine(status({ kind: 'applying', version: '1.4.0' }))).toBe('Updating to 1.4.0…');
    expect(updateLine(status(failedUpdate({ code: 'payload-hash-mismatch', version: '1.4.0', file: 'a.zip' })))).toBe(
      'Update 1.4.0 failed: a.zip does not match the SHA-256 in version.json; waiting for a corrected file',
    );
    expect(
      updateLine(
        status(
          failedUpdate({ code: 'version-json-syntax', detail: 'is not valid JSON (Unexpected end of JSON input)' }),
        ),
      ),
    ).toBe(
      'Update failed: version.json in the share is not valid JSON (Unexpected end of JSON input); waiting for a corrected file',
    );
  });

  it('shortens a long failure reason', () => {
    const line = updateLine(
      status(failedUpdate({ code: 'staging-refused', version: '1.4.0', detail: 'x'.repeat(1000) })),
    )!;
    expect(line.length).toBeLessThan(200);
    expect(line.endsWith('…')).toBe(true);
  });

  it('follows update.events: shown while something happens, hidden when idle or when the bridge fails', () => {
    const target = { textContent: null as string | null, hidden: false };
    let handlers: Parameters<UpdateEvents>[0] | null = null;
    mountUpdateLine(target, (h) => (handlers = h));
    expect(target.hidden).toBe(true);
    handlers!.onData(status({ kind: 'staged', version: '1.4.0', stagedPath: '/x' }));
    expect(target).toEqual({ textContent: 'Update 1.4.0 staged — restart to apply', hidden: false });
    handlers!.onData(status({ kind: 'idle' }));
    expect(target.hidden).toBe(true);
    handlers!.onData(status(failedUpdate({ code: 'staging-failed', version: '1.4.0', detail: 'no space left' })));
    expect(target.hidden).toBe(false);
    handlers!.onError(new Error('FORBIDDEN'));
    expect(target.hidden).toBe(true);
  });
});
