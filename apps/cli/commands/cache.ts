import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const cacheCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native cache',
  async run(_args, io) {
    io.stderr.write('aether-native cache: not built yet\n');
    return 1;
  },
};
