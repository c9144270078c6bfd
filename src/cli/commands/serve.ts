// `spv serve --listen host:port`: a minimal peer for demos and tests.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';

export interface ServeArgs extends NetworkArgs, CommonArgs {
  listen?: string;
  'max-inbound': number;
  timeout: number;
  addr?: string[];
  generate?: number;
  seed: string;
  datadir?: string;
  'mine-every'?: number;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run a local peer: handshake, pong, getaddr, getheaders (default listen 127.0.0.1:<network port>)',
  builder: (y) =>
    withCommonOptions(withNetworkOptions(y))
      .option('listen', { type: 'string', describe: 'host:port to listen on (port 0 picks a free one)' })
      .option('max-inbound', { type: 'number', default: 32, describe: 'inbound connection cap' })
      .option('timeout', { type: 'number', default: 10_000, describe: 'handshake timeout for inbound peers, ms' })
      .option('addr', { type: 'string', array: true, describe: 'an address to hand out in answer to getaddr (repeatable)' })
      .option('generate', { type: 'number', describe: 'serve a regtest chain of N headers generated at start (real proof of work)' })
      .option('seed', { type: 'string', default: '1', describe: 'seed for --generate (same seed, same chain)' })
      .option('datadir', { type: 'string', describe: 'serve the headers stored in this datadir' })
      .option('mine-every', { type: 'number', describe: 'mine a new regtest header every N ms and announce it' }) as never,
  handler: async (args) => {
    const { runServe } = await import('../run/serve.js');
    process.exitCode = await runServe(args);
  },
};
