import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const helper = fileURLToPath(new URL('../update-helper/update_helper.sh', import.meta.url));

describe('update_helper.sh', () => {
  it('is shellcheck-clean as POSIX sh, infos included', () => {
    const result = spawnSync('shellcheck', ['--shell=sh', '--severity=info', '--format=gcc', helper], { encoding: 'utf8' });
    expect(result.error, 'shellcheck must be installed (CI installs it via apt)').toBeUndefined();
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('parses under dash, the strictest POSIX shell here', () => {
    const result = spawnSync('dash', ['-n', helper], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
