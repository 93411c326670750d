import type { CliIo } from '../command';
import { UsageError } from '../command';
import { createLogger } from '../../../base/logger';
import { startDashboard } from '../dashboard/server';
import { parseCommandArgs, shareFor } from './ops-args';

export const FLEET_SERVE_USAGE = `usage: aether-native fleet serve [--share DIR] [--port N] [--host ADDR] [--stale-minutes N]

Serves a live dashboard of every laptop in <share>/status/ (room state, version and update, the next
session's show-readiness, cache, last seen, screenshot) on http://127.0.0.1:PORT/ until Ctrl-C.
  --port           port to listen on (default 8390; 0 picks a free one)
  --host           address to listen on (default 127.0.0.1: only this computer can see it)
  --stale-minutes  laptops silent this long are marked STALE (default 15)`;

/** Runs until SIGINT/SIGTERM (or `stop` aborts, for tests), then closes the server and the watcher. */
export async function runFleetServe(args: string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: {
      share: { type: 'string' },
      port: { type: 'string', default: '8390' },
      host: { type: 'string', default: '127.0.0.1' },
      'stale-minutes': { type: 'string', default: '15' },
    },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '') || port > 65535)
    throw new UsageError(`--port must be a port number (0-65535); got "${values.port}".`);
  const staleMinutes = Number(values['stale-minutes']);
  if (!Number.isFinite(staleMinutes) || staleMinutes <= 0)
    throw new UsageError('--stale-minutes must be a positive number.');
  const share = (await shareFor(io, values.share, 'read')).path;

  const logger = createLogger({ level: io.env.AETHER_LOG_LEVEL ?? 'warn' });
  const dashboard = await startDashboard({
    share,
    host: values.host,
    port,
    staleAfterMs: staleMinutes * 60_000,
    logger,
  });
  io.stdout.write(`Fleet dashboard for ${share}: ${dashboard.url}\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    stop?.addEventListener('abort', done, { once: true });
  });
  await dashboard.close();
  return 0;
}
