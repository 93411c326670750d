import { stat } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { BuildTarget } from '../../../contracts/version';
import { publishRelease, ReleaseError, versionFromFileName } from '../../../update-helper/publish-release';
import { pruneReleases } from '../../../update-helper/prune-releases';
import type { CliIo, Command } from '../command';
import { CommandError, EXIT, singleTopic, UsageError } from '../command';
import { ReleaseOutput, ReleasePruneOutput, writeJson } from '../output-schemas';
import { formatBytes } from './progress-layout';
import { printableCapped } from '../terminal-text';
import { parseShareWriteArgs, required, shareFor } from './ops-args';

const USAGE = `usage: aether-native release --file BUILD [--share DIR] [--version V] [--notes TEXT] [--platform T]
                             [--min-version V] [--only-hosts H1,H2] [--rollout-percent N]
                             [--rollback] [--force] [--json]
       aether-native release --prune KEEP [--share DIR] [--dry-run] [--json]

Publishes BUILD into <share>/binaries/native_app/: the build first (temp name, then rename),
version.json last, so no laptop sees a release whose build is not whole.

With --prune KEEP, removes old builds from that folder instead: the newest KEEP versions stay (every
file of a version: a mac zip and its dmg are one build), and so does the build version.json names,
whatever its age. Files without a version in their name, links and dotfiles are never touched.

  --share DIR    the share (else AETHER_SHARE, else the first of ~/admin_share, ~/Sync/admin_share
                 that exists); it must exist
  --version V    semantic version of the build, MAJOR.MINOR.PATCH (default: taken from the file
                 name, e.g. Aether-1.5.0-mac.zip)
  --min-version  laptops below this version ignore the release
  --platform     publish BUILD as one platform's entry (darwin-arm64, darwin-x64, darwin-universal,
                 linux-x64, linux-arm64, win32-x64, win32-arm64), keeping the other platforms' builds
                 of the same version; without it the build is for every platform
  --only-hosts   canary: only these hostnames take it
  --rollout-percent  a ring: only this share of laptops (a stable hash of each hostname) take it
  --rollback     an explicit downgrade: laptops on the current release go down to this lower version
  --force        publish the current version again
  --prune KEEP   keep the newest KEEP builds (at least 1) and remove the older ones
  --dry-run      with --prune: list what would be removed and change nothing
  --json         one JSON object (apps/cli/README.md: release, release --prune)`;

/** Checked here so the message speaks of what was typed (the publisher's would say "pass --version"). */
function chosenVersion(file: string, given: string | undefined): string {
  if (given !== undefined) {
    if (semver.valid(given) !== given) {
      const coerced = semver.coerce(given)?.version;
      throw new UsageError(
        `--version ${printableCapped(given, 40)} is not a semantic version: use MAJOR.MINOR.PATCH${coerced ? `, e.g. --version ${coerced}` : ', e.g. --version 1.5.0'}.`,
      );
    }
    return given;
  }
  const found = versionFromFileName(path.basename(file));
  if (!found)
    throw new UsageError(
      `the file name ${printableCapped(path.basename(file), 80)} holds no version (like Aether-1.5.0-mac.zip); add --version MAJOR.MINOR.PATCH.`,
    );
  return found;
}

async function prune(
  io: CliIo,
  shareOption: string | undefined,
  keepText: string,
  dryRun: boolean,
  json: boolean,
): Promise<number> {
  if (!/^\d{1,6}$/.test(keepText) || Number(keepText) < 1)
    throw new UsageError(
      `--prune needs how many builds to keep, a whole number of at least 1 (got "${printableCapped(keepText, 40)}").`,
    );
  const share = await shareFor(io, shareOption, 'write');
  const result = await pruneReleases({ share: share.path, keep: Number(keepText), dryRun }).catch((err: unknown) => {
    throw err instanceof ReleaseError ? new CommandError(err.message) : err;
  });
  if (json) {
    writeJson(io.stdout, ReleasePruneOutput, {
      share: share.path,
      dry_run: dryRun,
      current: result.current,
      kept: result.kept,
      removed: result.removed,
    });
    return EXIT.ok;
  }
  const verb = dryRun ? 'would remove' : 'removed';
  const lines = [
    ...result.kept.map((f) => `  keep    ${f}${f === result.current ? ' (current)' : ''}`),
    ...result.removed.map((r) => `  ${dryRun ? 'would remove' : 'remove '} ${r.file} (${formatBytes(r.bytes)})`),
    `prune ${share.path}: kept ${result.kept.length}, ${verb} ${result.removed.length} build file(s) (${formatBytes(result.removed.reduce((sum, r) => sum + r.bytes, 0))})${dryRun ? '; nothing was changed' : ''}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

export const releaseCommand: Command = {
  help: singleTopic('release', USAGE),
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
      prune: { type: 'string' },
      'dry-run': { type: 'boolean' },
    });
    if (values.prune !== undefined) {
      const publishing = (
        [
          'file',
          'version',
          'notes',
          'min-version',
          'only-hosts',
          'force',
          'platform',
          'rollout-percent',
          'rollback',
        ] as const
      ).find((o) => values[o] !== undefined && values[o] !== false);
      if (publishing)
        throw new UsageError(
          `--prune removes old builds; it does not go with --${publishing}. Publish and prune in two runs.`,
        );
      return prune(io, values.share, values.prune, values['dry-run'] ?? false, values.json);
    }
    if (values['dry-run'])
      throw new UsageError('--dry-run goes with --prune; a release is published whole or not at all.');
    const file = required(values.file, '--file BUILD is required: the build archive to publish.');
    if (!(await stat(file).catch(() => null))?.isFile())
      throw new CommandError(`${file} is not a file; --file must name the build archive.`);
    const version = chosenVersion(file, values.version);
    if (values['min-version'] !== undefined && semver.valid(values['min-version']) !== values['min-version']) {
      throw new UsageError(
        `--min-version ${printableCapped(values['min-version'], 40)} is not a semantic version: use MAJOR.MINOR.PATCH, e.g. 1.4.0.`,
      );
    }
    const share = await shareFor(io, values.share, 'write');
    const platform = values.platform === undefined ? undefined : BuildTarget.safeParse(values.platform);
    if (platform && !platform.success)
      throw new UsageError(
        `--platform must be one of ${BuildTarget.options.join(', ')}; got "${printableCapped(values.platform ?? '', 40)}".`,
      );
    const percent = values['rollout-percent'];
    if (percent !== undefined && !/^(100|[1-9]?[0-9])$/.test(percent))
      throw new UsageError(
        `--rollout-percent must be a whole number from 0 to 100; got "${printableCapped(percent, 40)}".`,
      );
    const result = await publishRelease({
      share: share.path,
      file,
      version,
      notes: values.notes,
      minVersion: values['min-version'],
      onlyHosts: values['only-hosts']
        ?.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
      force: values.force,
      platform: platform?.data,
      rolloutPercent: percent === undefined ? undefined : Number(percent),
      rollback: values.rollback,
    }).catch((err: unknown) => {
      throw err instanceof ReleaseError ? new CommandError(err.message) : err;
    });
    const { release } = result;
    if (values.json) {
      writeJson(io.stdout, ReleaseOutput, {
        share: share.path,
        release,
        build_path: result.buildPath,
        previous: result.previous,
      });
      return EXIT.ok;
    }
    const builds =
      'builds' in release
        ? Object.entries(release.builds).map(([target, build]) => ({ target, ...build }))
        : [{ target: 'every platform', ...release }];
    io.stdout.write(
      `Released ${release.version}${result.previous ? ` (was ${result.previous})` : ''}: ${result.buildPath}\n` +
        builds.map((b) => `  ${b.target}: ${b.file}, size ${b.size} bytes, sha256 ${b.sha256}\n`).join('') +
        (release.rollback_of
          ? `  rollback of ${release.rollback_of}: laptops on it go down to ${release.version}\n`
          : '') +
        (release.only_hosts ? `  canary for: ${release.only_hosts.join(', ')}\n` : '') +
        (release.rollout_percent !== undefined ? `  rolling out to ${release.rollout_percent} % of laptops\n` : ''),
    );
    return EXIT.ok;
  },
};
