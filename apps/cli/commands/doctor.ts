import type { Command } from '../command';

/** Placeholder until its issue lands. */
export const doctorCommand: Command = {
  summary: '(not built yet)',
  usage: 'aether-native doctor',
  async run(_args, io) {
    io.stderr.write('aether-native doctor: not built yet\n');
    return 1;
  },
};
