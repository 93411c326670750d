import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const prefetchCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native prefetch',
  async run(_args, io) {
    io.stderr.write('aether-native prefetch: not built yet\n');
    return 1;
  },
};
