import os from 'node:os';
import type { Logger } from 'pino';
import type { CommandRunner } from '../base/command-runner';
import type { Platform } from '../base/platform';
import { normaliseHostname } from '../contracts/hostname';

export interface LocalHostnameDeps {
  platform: Platform;
  /** base/command-runner's `execFileRunner` in the app. */
  run: CommandRunner;
  osHostname?: () => string;
  logger: Logger;
}

/**
 * The laptop's normalised name, as the share names its seed and status files. On macOS
 * `os.hostname()` follows the network (DHCP can rename the laptop), so the stable Bonjour name from
 * `scutil --get LocalHostName` is used; if that fails, the OS hostname is the fallback, logged.
 */
export async function localHostname({
  platform,
  run,
  osHostname = os.hostname,
  logger,
}: LocalHostnameDeps): Promise<string> {
  if (platform === 'darwin') {
    try {
      const result = await run('scutil', ['--get', 'LocalHostName']);
      const name = result.stdout.trim();
      if (result.exitCode === 0 && name) return normaliseHostname(name);
      logger.warn(
        { exitCode: result.exitCode, stderr: result.stderr.trim().slice(0, 200) },
        'scutil --get LocalHostName gave no name; using the OS hostname',
      );
    } catch (err) {
      logger.warn({ err }, 'scutil could not be run; using the OS hostname');
    }
  }
  return normaliseHostname(osHostname());
}
