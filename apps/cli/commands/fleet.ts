import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const fleetCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native fleet',
  async run(_args, io) {
    io.stderr.write('aether-native fleet: not built yet\n');
    return 1;
  },
};
