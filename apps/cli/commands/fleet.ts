import type { Command } from '../command';
import { UsageError } from '../command';
import { FLEET_SERVE_USAGE, runFleetServe } from './fleet-serve';
import { formatFleetTable, readFleet } from './fleet-table';
import { parseCommandArgs, requireShare } from './ops-args';

const USAGE = `usage: aether-native fleet status [--share DIR] [--json] [--stale-minutes N]
       aether-native fleet serve [--share DIR] [--port N] [--host ADDR] [--stale-minutes N]

fleet status shows every laptop that reports into <share>/status/: hostname, device, version, state,
cache completeness and when it was last seen. Rows not updated for N minutes (default 15)
are marked STALE.

${FLEET_SERVE_USAGE.split('\n').slice(2).join('\n')}`;

export const fleetCommand: Command = {
  summary: 'show which laptops run which version and how complete their caches are (table or live dashboard)',
  usage: USAGE,
  async run(args, io) {
    if (args[0] === 'serve') return runFleetServe(args.slice(1), io);
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { share: { type: 'string' }, json: { type: 'boolean', default: false }, 'stale-minutes': { type: 'string', default: '15' } },
    });
    const [sub, ...extra] = positionals;
    if (sub !== 'status') throw new UsageError(sub ? `unknown fleet command "${sub}"` : 'say what to show: fleet status');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const staleMinutes = Number(values['stale-minutes']);
    if (!Number.isFinite(staleMinutes) || staleMinutes <= 0) throw new UsageError('--stale-minutes must be a positive number.');
    const fleet = await readFleet(requireShare(values.share, io.env), new Date(), staleMinutes * 60_000);
    if (values.json) {
      const laptops = fleet.rows.map((r) => ({ ...r.status, stale: r.stale }));
      io.stdout.write(`${JSON.stringify({ laptops, problems: fleet.problems, notes: fleet.notes }, null, 2)}\n`);
    } else {
      io.stdout.write(formatFleetTable(fleet));
    }
    return 0;
  },
};
