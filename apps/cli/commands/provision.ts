import { promises as fs } from 'node:fs';
import { publishSeed } from '../../../provisioning/publish-seed';
import type { Command } from '../command';
import { UsageError } from '../command';
import { parseShareWriteArgs, requireShare } from './ops-args';

const USAGE = `usage: aether-native provision --share DIR --hostname H --device ID [--api URL]
                               [--backup-api URL] [--onsite-api URL] [--key-file F] [--force]

Writes a validated <share>/seeds/seed_<hostname>.json (temp + rename). A laptop waiting on the
splash picks it up, copies it to its config folder and starts. The hostname is normalised the way
the laptop does (lower case, no .local). The API key is read from --key-file, never from the
command line, and is never printed.`;

export const provisionCommand: Command = {
  summary: 'write a seed for a laptop into the share (zero-touch provisioning)',
  usage: USAGE,
  async run(args, io) {
    const values = parseShareWriteArgs(args, {
      hostname: { type: 'string' },
      device: { type: 'string' },
      api: { type: 'string' },
      'backup-api': { type: 'string' },
      'onsite-api': { type: 'string' },
      'key-file': { type: 'string' },
    });
    if (!values.hostname) throw new UsageError('--hostname H is required.');
    if (!values.device) throw new UsageError('--device ID is required.');
    const apiKey = values['key-file'] ? await readKey(values['key-file']) : undefined;
    const written = await publishSeed({
      share: requireShare(values.share, io.env),
      hostname: values.hostname,
      deviceId: values.device,
      primaryApi: values.api,
      backupApi: values['backup-api'],
      onsiteApi: values['onsite-api'],
      apiKey,
      force: values.force,
    });
    io.stdout.write(`Provisioned ${written.hostname} as ${values.device}: ${written.path}${apiKey ? ' (with API key)' : ''}\n`);
    return 0;
  },
};

async function readKey(file: string): Promise<string> {
  const key = (await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --key-file ${file} (${err.code ?? err.message}).`);
  })).trim();
  if (!key) throw new UsageError(`--key-file ${file} is empty.`);
  return key;
}
