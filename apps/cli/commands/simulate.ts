import { launcherUrl } from '../../../contracts/api';
import { startSimulator } from '../../simulator/index';
import type { CliIo, Command } from '../command';
import { CommandError, EXIT, singleTopic, UsageError } from '../command';
import { SimulateOutput, writeJson } from '../output-schemas';
import { parseCommandArgs } from '../parse-options';

const USAGE = `usage: aether-native simulate [--port N] [--json]

Starts the Aether V3 API simulator on 127.0.0.1 (port 0 or none = a free port) and runs until Ctrl-C.
Prints the demo seed JSON on stdout (save it as seed.json: \`aether-native simulate > ~/seed.json\`)
and the launcher URL on stderr.

  --port N, -p N   listen on this port (0 or none: a free one)
  --json           instead of the bare seed, one JSON object with the API URL, the launcher URL
                   and the seed under "seed" (apps/cli/README.md: simulate)`;

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, got "${value}"`);
  return Number(value);
}

/** Runs until `stop` aborts; the command wires it to SIGINT/SIGTERM, tests to an AbortController. */
export async function runSimulate(args: string[], io: CliIo, stop: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: { port: { type: 'string', short: 'p' }, json: { type: 'boolean' } },
    allowPositionals: false,
  });
  const port = parsePort(values.port);
  const sim = await startSimulator({ port }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new CommandError(`port ${port} is already in use: pick another with --port, or omit it for a free one`);
    throw err;
  });
  if (values.json) {
    writeJson(io.stdout, SimulateOutput, {
      api_url: sim.url,
      launcher_url: launcherUrl(sim.demo.device),
      event_device_id: sim.demo.device.event_device_id,
      files: sim.demo.files.length,
      seed: sim.demoSeed(),
    });
  } else {
    io.stdout.write(`${JSON.stringify(sim.demoSeed(), null, 2)}\n`);
  }
  io.stderr.write(
    [
      `Aether V3 API simulator listening on ${sim.url}`,
      `Launcher page: ${launcherUrl(sim.demo.device)}`,
      `Demo device ${sim.demo.device.event_device_id}, ${sim.demo.files.length} event files. Ctrl-C stops.`,
      '',
    ].join('\n'),
  );
  if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
  await sim.close();
  io.stderr.write('simulator stopped\n');
  return EXIT.ok;
}

function untilTerminated(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

export const simulateCommand: Command = {
  help: singleTopic('simulate', USAGE),
  run: (args, io) => runSimulate(args, io, untilTerminated()),
};
