import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Runs the real `npm run lint:security` (Electronegativity over the source) once per case. */
function lintSecurity(...args: string[]) {
  const run = spawnSync(process.execPath, ['scripts/lint-security.mjs', '--json', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    status: run.status,
    report: JSON.parse(run.stdout) as { ok: boolean; findings: string[]; unaccepted: string[]; stale: string[] },
  };
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'aether-security-scan-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('security scan (Electronegativity)', () => {
  it('finds exactly the accepted findings in the source, each with a reason', () => {
    const { status, report } = lintSecurity();
    const accepted = JSON.parse(readFileSync('docs/security-findings.json', 'utf8')).accepted as Array<{
      check: string;
      file: string;
      reason: string;
    }>;
    expect(report.unaccepted).toEqual([]);
    expect(report.stale).toEqual([]);
    expect(status).toBe(0);
    expect(accepted.every((a) => a.reason.length > 20)).toBe(true);
    const documented = readFileSync('docs/SECURITY.md', 'utf8');
    for (const a of accepted) expect(documented).toContain(a.check);
  });

  it('fails on a new finding', () => {
    const evil = path.join(scratch, 'evil');
    rmSync(evil, { recursive: true, force: true });
    mkdirSync(evil, { recursive: true });
    writeFileSync(
      path.join(evil, 'popup.electron.ts'),
      "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false } });\n",
    );
    const { status, report } = lintSecurity('--input', evil);
    expect(status).toBe(1);
    expect(report.unaccepted).toEqual(
      expect.arrayContaining([
        'NODE_INTEGRATION_JS_CHECK extra/evil/popup.electron.ts',
        'WEB_SECURITY_JS_CHECK extra/evil/popup.electron.ts',
      ]),
    );
  });
});
