import { BuildTarget } from '../../../contracts/version';
import { publishRelease } from '../../../update-helper/publish-release';
import type { Command } from '../command';
import { UsageError } from '../command';
import { parseShareWriteArgs, requireShare } from './ops-args';

const USAGE = `usage: aether-native release --share DIR --file BUILD [--version V] [--notes TEXT] [--platform T]
                             [--min-version V] [--only-hosts H1,H2] [--rollout-percent N]
                             [--rollback] [--force]

Publishes BUILD into <share>/binaries/native_app/: the build first (temp name, then rename),
version.json last, so no laptop sees a release whose build is not whole.
  --version      semver of the build (default: taken from the file name)
  --min-version  laptops below this version ignore the release
  --platform     publish BUILD as one platform's entry (darwin-arm64, darwin-x64, darwin-universal,
                 linux-x64, linux-arm64, win32-x64, win32-arm64), keeping the other platforms' builds
                 of the same version; without it the build is for every platform
  --only-hosts   canary: only these hostnames take it
  --rollout-percent  a ring: only this share of laptops (a stable hash of each hostname) take it
  --rollback     an explicit downgrade: laptops on the current release go down to this lower version
  --force        publish the current version again`;

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
      platform: { type: 'string' },
      'rollout-percent': { type: 'string' },
      rollback: { type: 'boolean' },
    });
    if (!values.file) throw new UsageError('--file BUILD is required.');
    const platform = values.platform === undefined ? undefined : BuildTarget.safeParse(values.platform);
    if (platform && !platform.success) throw new UsageError(`--platform must be one of ${BuildTarget.options.join(', ')}; got "${values.platform}".`);
    const percent = values['rollout-percent'];
    if (percent !== undefined && !/^(100|[1-9]?[0-9])$/.test(percent)) throw new UsageError(`--rollout-percent must be a whole number from 0 to 100; got "${percent}".`);
    const result = await publishRelease({
      share: requireShare(values.share, io.env),
      file: values.file,
      version: values.version,
      notes: values.notes,
      minVersion: values['min-version'],
      onlyHosts: values['only-hosts']?.split(',').map((h) => h.trim()).filter(Boolean),
      force: values.force,
      platform: platform?.data,
      rolloutPercent: percent === undefined ? undefined : Number(percent),
      rollback: values.rollback,
    });
    const { release } = result;
    const builds = 'builds' in release ? Object.entries(release.builds).map(([target, build]) => ({ target, ...build })) : [{ target: 'every platform', ...release }];
    io.stdout.write(
      `Released ${release.version}${result.previous ? ` (was ${result.previous})` : ''}: ${result.buildPath}\n` +
        builds.map((b) => `  ${b.target}: ${b.file}, size ${b.size} bytes, sha256 ${b.sha256}\n`).join('') +
        (release.rollback_of ? `  rollback of ${release.rollback_of}: laptops on it go down to ${release.version}\n` : '') +
        (release.only_hosts ? `  canary for: ${release.only_hosts.join(', ')}\n` : '') +
        (release.rollout_percent !== undefined ? `  rolling out to ${release.rollout_percent} % of laptops\n` : ''),
    );
    return 0;
  },
};
