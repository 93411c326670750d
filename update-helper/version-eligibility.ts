import semver from 'semver';
import type { VersionFile } from '../contracts/version';

/** Why a well-formed release in the share is not for this laptop; `null` when it is. */
export function ineligibility(release: VersionFile, appVersion: string, hostname: string): string | null {
  if (!semver.gt(release.version, appVersion)) {
    return semver.eq(release.version, appVersion)
      ? `${release.version} in the share is the version already running`
      : `${release.version} in the share is older than ${appVersion}; downgrades are refused`;
  }
  if (release.min_version && semver.lt(appVersion, release.min_version)) {
    return `${release.version} needs at least ${release.min_version} installed first (this laptop runs ${appVersion})`;
  }
  if (release.only_hosts && !release.only_hosts.includes(hostname)) {
    return `${release.version} is a canary release for ${release.only_hosts.join(', ')}, not ${hostname}`;
  }
  return null;
}
