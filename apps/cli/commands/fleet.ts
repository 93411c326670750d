import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { FleetStatusOutput, writeJson } from '../output-schemas';
import { printableCapped } from '../terminal-text';
import { formatFleetTable, MAX_STATUS_FILE_BYTES, readFleet } from './fleet-table';
import { parseCommandArgs, shareFor } from './ops-args';
import { FLEET_SERVE_USAGE, runFleetServe } from './fleet-serve';

const USAGE = `usage: aether-native fleet status [--share DIR] [--json] [--stale-minutes N]
       aether-native fleet serve [--share DIR] [--port N] [--host ADDR] [--stale-minutes N]  (see fleet serve --help)

fleet status shows every laptop that reports into <share>/status/: hostname, device, version, state,
cache completeness and when it was last seen. Rows not updated for N minutes (default 15)
are marked STALE. Only regular files up to ${MAX_STATUS_FILE_BYTES / 1024} KiB are read (links, FIFOs and
oversized files are listed as unreadable) and peers' text is shown with control characters as ?.

  --share DIR         the share (else AETHER_SHARE, ~/admin_share, ~/Sync/admin_share: the first
                      that exists)
  --json              one JSON object (apps/cli/README.md: fleet status)
  --stale-minutes N   when a laptop counts as stale (default 15)`;

export const fleetCommand: Command = {
  help: (args) =>
    args[0] === 'serve' ? { label: 'fleet serve', usage: FLEET_SERVE_USAGE } : { label: 'fleet status', usage: USAGE },
  async run(args, io) {
    if (args[0] === 'serve') return runFleetServe(args.slice(1), io);
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: {
        share: { type: 'string' },
        json: { type: 'boolean', default: false },
        'stale-minutes': { type: 'string', default: '15' },
      },
    });
    const [sub, ...extra] = positionals;
    if (sub !== 'status')
      throw new UsageError(
        sub
          ? `unknown fleet command "${printableCapped(sub, 40)}"; the one there is: fleet status`
          : 'say what to show: fleet status',
      );
    if (extra.length) throw new UsageError(`unexpected argument "${printableCapped(extra[0] ?? '', 40)}"`);
    const staleMinutes = Number(values['stale-minutes']);
    if (!Number.isFinite(staleMinutes) || staleMinutes <= 0)
      throw new UsageError(
        `--stale-minutes must be a positive number of minutes, got "${printableCapped(values['stale-minutes'] ?? '', 40)}".`,
      );
    const share = await shareFor(io, values.share, 'read');
    const fleet = await readFleet(share.path, new Date(), staleMinutes * 60_000);
    if (values.json) {
      const laptops = fleet.rows.map((r) => ({ ...r.status, stale: r.stale, age_ms: r.ageMs }));
      writeJson(io.stdout, FleetStatusOutput, {
        share: share.path,
        laptops,
        problems: fleet.problems,
        notes: fleet.notes,
      });
    } else {
      io.stdout.write(formatFleetTable(fleet));
    }
    return EXIT.ok;
  },
};
