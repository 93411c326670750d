import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const helper = fileURLToPath(new URL('../update-helper/update_helper.sh', import.meta.url));

describe('update_helper.sh', () => {
  it('is shellcheck-clean as POSIX sh, infos included', () => {
    const result = spawnSync('shellcheck', ['--shell=sh', '--severity=info', '--format=gcc', helper], {
      encoding: 'utf8',
    });
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

describe('the repository scripts', () => {
  const setupTools = fileURLToPath(new URL('../scripts/setup-test-tools.sh', import.meta.url));
  const ciRun = fileURLToPath(new URL('../.ci/run', import.meta.url));

  it('setup-test-tools.sh (npm run setup:test) is shellcheck-clean as POSIX sh and parses under dash', () => {
    const lint = spawnSync('shellcheck', ['--shell=sh', '--severity=info', '--format=gcc', setupTools], {
      encoding: 'utf8',
    });
    expect(lint.stdout).toBe('');
    expect(lint.status).toBe(0);
    expect(spawnSync('dash', ['-n', setupTools], { encoding: 'utf8' }).status).toBe(0);
  });

  it('.ci/run is shellcheck-clean bash', () => {
    const lint = spawnSync('shellcheck', ['--shell=bash', '--severity=info', '--format=gcc', ciRun], {
      encoding: 'utf8',
    });
    expect(lint.stdout).toBe('');
    expect(lint.status).toBe(0);
  });
});
