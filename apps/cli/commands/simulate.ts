import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const simulateCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native simulate',
  async run(_args, io) {
    io.stderr.write('aether-native simulate: not built yet\n');
    return 1;
  },
};
