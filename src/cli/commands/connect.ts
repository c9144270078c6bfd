// `spv connect`: discover peers, hold several connections, sync headers, show their status.
import type { CommandModule } from 'yargs';
import { withCommonOptions, withTraceOptions, type CommonArgs, type TraceArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';
import { withPeerOptions, type PeerOptionArgs } from '../peer-options.js';

export interface ConnectArgs extends NetworkArgs, CommonArgs, PeerOptionArgs, TraceArgs {
  sync: boolean;
  'status-interval': number;
  duration?: number;
}

export const connectCommand: CommandModule<object, ConnectArgs> = {
  command: 'connect',
  describe: 'Discover peers (DNS seeds, then fixed seeds), stay connected, sync and follow headers',
  builder: (y) =>
    withPeerOptions(withTraceOptions(withCommonOptions(withNetworkOptions(y))), 8)
      .option('sync', { type: 'boolean', default: true, describe: 'sync headers and follow the tip (--no-sync: only hold connections)' })
      .option('status-interval', { type: 'number', default: 10_000, describe: 'how often to print the peer table, ms' })
      .option('duration', { type: 'number', describe: 'exit after this many ms (default: run until Ctrl+C)' }) as never,
  handler: async (args) => {
    const { runConnect } = await import('../run/connect.js');
    process.exitCode = await runConnect(args);
  },
};
