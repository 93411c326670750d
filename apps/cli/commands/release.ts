import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const releaseCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native release',
  async run(_args, io) {
    io.stderr.write('aether-native release: not built yet\n');
    return 1;
  },
};
