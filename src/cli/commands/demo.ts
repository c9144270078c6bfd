// `spv demo` (what `npm start` runs): everything on loopback, no internet needed.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';

export interface DemoArgs extends CommonArgs {
  peers: number;
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'Run local peers on loopback and show discovery, handshake and ping/pong against them',
  builder: (y) =>
    withCommonOptions(y).option('peers', { type: 'number', default: 2, describe: 'local peers to start' }) as never,
  handler: async (args) => {
    const { runDemo } = await import('../run/demo.js');
    process.exitCode = await runDemo(args);
  },
};
