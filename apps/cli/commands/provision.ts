import { promises as fs } from 'node:fs';
import { BUILD_DEFAULT_API_URL } from '../../../provisioning/api-defaults';
import { ProvisionError, publishSeed } from '../../../provisioning/publish-seed';
import type { Command } from '../command';
import { CommandError, EXIT, singleTopic, UsageError } from '../command';
import { ProvisionOutput, writeJson } from '../output-schemas';
import { parseShareWriteArgs, required, shareFor } from './ops-args';

const USAGE = `usage: aether-native provision --hostname H --device ID [--share DIR] [--api URL] [--key-file F]
                               [--backup-api URL] [--onsite-api URL] [--force] [--json]

Writes a validated <share>/seeds/seed_<hostname>.json (temp + rename). A laptop waiting on the
splash picks it up, copies it to its config folder and starts. The hostname is normalised the way
the laptop does (lower case, no .local); \`aether-native doctor\` on the laptop prints the exact name.
The API key is read from --key-file, never from the command line, and is never printed.

  --share DIR        the share (else AETHER_SHARE, else the first of ~/admin_share,
                     ~/Sync/admin_share that exists); it must exist: nothing is created outside it
  --api URL          the event's API; without it the laptop uses the app's built-in default
                     (${BUILD_DEFAULT_API_URL}) and a warning is printed
  --key-file F       file holding the device's API key; without it a warning is printed
  --force            replace an existing seed for this hostname
  --json             one JSON object (apps/cli/README.md: provision), warnings in "warnings"`;

export const provisionCommand: Command = {
  help: singleTopic('provision', USAGE),
  async run(args, io) {
    const values = parseShareWriteArgs(args, {
      hostname: { type: 'string' },
      device: { type: 'string' },
      api: { type: 'string' },
      'backup-api': { type: 'string' },
      'onsite-api': { type: 'string' },
      'key-file': { type: 'string' },
    });
    const hostname = required(
      values.hostname,
      "--hostname H is required (the laptop's name; `aether-native doctor` on it prints it).",
    );
    const deviceId = required(values.device, '--device ID is required (the event device id from the Aether admin).');
    const apiKey = values['key-file'] ? await readKey(values['key-file']) : undefined;
    const share = await shareFor(io, values.share, 'write');
    const written = await publishSeed({
      share: share.path,
      hostname,
      deviceId,
      primaryApi: values.api,
      backupApi: values['backup-api'],
      onsiteApi: values['onsite-api'],
      apiKey,
      force: values.force,
    }).catch((err: unknown) => {
      throw err instanceof ProvisionError ? new CommandError(err.message) : err;
    });
    const warnings = [
      ...(values.api
        ? []
        : [
            `the seed has no API URL: the laptop will use the app's built-in default API (${BUILD_DEFAULT_API_URL}); pass --api URL for the event's API`,
          ]),
      ...(apiKey
        ? []
        : ['the seed has no API key: the laptop cannot sign in to the API until it has one; pass --key-file FILE']),
    ];
    for (const warning of warnings) io.stderr.write(`aether-native provision: warning: ${warning}\n`);
    if (values.json) {
      writeJson(io.stdout, ProvisionOutput, {
        path: written.path,
        hostname: written.hostname,
        event_device_id: deviceId,
        share: share.path,
        api_url: await writtenApiUrl(written.path),
        has_api_key: apiKey !== undefined,
        warnings,
      });
    } else {
      io.stdout.write(
        `Provisioned ${written.hostname} as ${deviceId}: ${written.path}${apiKey ? ' (with API key)' : ''}\n`,
      );
    }
    return EXIT.ok;
  },
};

/** The primary API as the seed holds it (validated and normalised on the way in). */
async function writtenApiUrl(file: string): Promise<string | null> {
  const seed = JSON.parse(await fs.readFile(file, 'utf8')) as { primary_api_base_url?: unknown };
  return typeof seed.primary_api_base_url === 'string' ? seed.primary_api_base_url : null;
}

async function readKey(file: string): Promise<string> {
  const key = (
    await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read --key-file ${file} (${err.code ?? err.message}).`);
    })
  ).trim();
  if (!key) throw new UsageError(`--key-file ${file} is empty.`);
  return key;
}
