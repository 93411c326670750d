import { publishRelease } from '../../../update-helper/publish-release';
import type { Command } from '../command';
import { UsageError } from '../command';
import { parseShareWriteArgs, requireShare } from './ops-args';

const USAGE = `usage: aether-native release --share DIR --file BUILD [--version V] [--notes TEXT]
                             [--min-version V] [--only-hosts H1,H2] [--force]

Publishes BUILD into <share>/binaries/native_app/: the build first (temp name, then rename),
version.json last, so no laptop sees a release whose build is not whole.
  --version      semver of the build (default: taken from the file name)
  --min-version  laptops below this version ignore the release
  --only-hosts   canary: only these hostnames take it
  --force        publish a version that is not higher than the current one (rollback)`;

export const releaseCommand: Command = {
  summary: 'publish a build and its version.json to the share',
  usage: USAGE,
  async run(args, io) {
    const values = parseShareWriteArgs(args, {
      file: { type: 'string' },
      version: { type: 'string' },
      notes: { type: 'string' },
      'min-version': { type: 'string' },
      'only-hosts': { type: 'string' },
    });
    if (!values.file) throw new UsageError('--file BUILD is required.');
    const result = await publishRelease({
      share: requireShare(values.share, io.env),
      file: values.file,
      version: values.version,
      notes: values.notes,
      minVersion: values['min-version'],
      onlyHosts: values['only-hosts']?.split(',').map((h) => h.trim()).filter(Boolean),
      force: values.force,
    });
    const { release } = result;
    io.stdout.write(
      `Released ${release.version}${result.previous ? ` (was ${result.previous})` : ''}: ${result.buildPath}\n` +
        `  size ${release.size} bytes, sha256 ${release.sha256}\n` +
        (release.only_hosts ? `  canary for: ${release.only_hosts.join(', ')}\n` : ''),
    );
    return 0;
  },
};
