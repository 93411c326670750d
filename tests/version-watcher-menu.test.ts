import { describe, expect, it } from 'vitest';
import { updateMenuItems } from '../apps/desktop/update-menu';
import { failedUpdate, type UpdateState } from '../update-helper/update-state';

function items(state: UpdateState) {
  const calls: string[] = [];
  const list = updateMenuItems(
    { appVersion: '1.0.0', state },
    { check: () => calls.push('check'), apply: () => calls.push('apply') },
  );
  return { list, calls, labels: list.map((i) => `${i.label}${i.enabled === false ? ' (disabled)' : ''}`) };
}

describe('"Check for Updates…" menu entries', () => {
  it.each<[UpdateState, string[]]>([
    [{ kind: 'idle' }, ['Check for Updates…']],
    [
      { kind: 'waiting-for-payload', version: '1.5.0', file: 'A.zip', have: 45, need: 100 },
      ['Update 1.5.0 is syncing (45%) (disabled)', 'Check for Updates…'],
    ],
    [
      { kind: 'verifying', version: '1.5.0', file: 'A.zip' },
      ['Checking update 1.5.0… (disabled)', 'Check for Updates…'],
    ],
    [{ kind: 'staged', version: '1.5.0', stagedPath: '/x' }, ['Restart to Update to 1.5.0', 'Check for Updates…']],
    [{ kind: 'applying', version: '1.5.0' }, ['Updating to 1.5.0… (disabled)']],
    [
      failedUpdate({ code: 'payload-hash-mismatch', version: '1.5.0', file: 'A.zip' }),
      [
        'Update failed: A.zip does not match the SHA-256 in version.json; waiting for a corrected file (disabled)',
        'Check for Updates…',
      ],
    ],
  ])('%o', (state, expected) => {
    expect(items(state).labels).toEqual(expected);
  });

  it('checks the share or applies the staged update when clicked', () => {
    const { list, calls } = items({ kind: 'staged', version: '1.5.0', stagedPath: '/x' });
    for (const item of list) (item.click as () => void)();
    expect(calls).toEqual(['apply', 'check']);
  });
});
