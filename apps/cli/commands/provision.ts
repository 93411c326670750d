import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const provisionCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native provision',
  async run(_args, io) {
    io.stderr.write('aether-native provision: not built yet\n');
    return 1;
  },
};
