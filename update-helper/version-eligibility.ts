import { createHash } from 'node:crypto';
import semver from 'semver';
import type { VersionFile } from '../contracts/version';

/**
 * A laptop's place in staged rollouts: 0..99 from a hash of its normalised hostname, the same for
 * every release, so a 10 % ring is always the same tenth of the fleet and widening it only adds laptops.
 */
export function rolloutBucket(hostname: string): number {
  return createHash('sha256').update(hostname).digest().readUInt32BE(0) % 100;
}

/** True when the release is an explicit rollback (`rollback_of`) that covers this laptop's version. */
export function isRollbackFor(release: VersionFile, appVersion: string): boolean {
  return !!release.rollback_of && semver.lt(release.version, appVersion) && semver.lte(appVersion, release.rollback_of);
}

/** Why a well-formed release in the share is not for this laptop; `null` when it is. */
export function ineligibility(release: VersionFile, appVersion: string, hostname: string): string | null {
  if (!semver.gt(release.version, appVersion) && !isRollbackFor(release, appVersion)) {
    if (semver.eq(release.version, appVersion)) return `${release.version} in the share is the version already running`;
    return release.rollback_of
      ? `${release.version} in the share rolls back ${release.rollback_of}, not ${appVersion}; this laptop keeps its version`
      : `${release.version} in the share is older than ${appVersion}; downgrades are refused unless published with release --rollback`;
  }
  if (release.min_version && semver.lt(appVersion, release.min_version)) {
    return `${release.version} needs at least ${release.min_version} installed first (this laptop runs ${appVersion})`;
  }
  if (release.only_hosts && !release.only_hosts.includes(hostname)) {
    return `${release.version} is a canary release for ${release.only_hosts.join(', ')}, not ${hostname}`;
  }
  if (release.rollout_percent !== undefined && rolloutBucket(hostname) >= release.rollout_percent) {
    return `${release.version} is rolling out to ${release.rollout_percent} % of laptops; ${hostname} is not among them yet`;
  }
  return null;
}
