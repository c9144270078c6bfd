// `spv sync`: the one-shot header sync.
import type { CommandModule } from 'yargs';
import { withCommonOptions, withTraceOptions, type CommonArgs, type TraceArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';
import { withPeerOptions, type PeerOptionArgs } from '../peer-options.js';

export interface SyncArgs extends NetworkArgs, CommonArgs, PeerOptionArgs, TraceArgs {
  'stall-timeout': number;
}

export const syncCommand: CommandModule<object, SyncArgs> = {
  command: 'sync',
  describe: "Sync headers to the best peer's tip, print a summary and exit",
  builder: (y) =>
    withPeerOptions(withTraceOptions(withCommonOptions(withNetworkOptions(y))), 4).option('stall-timeout', {
      type: 'number',
      default: 30_000,
      describe: 'drop a peer that does not answer getheaders within this many ms',
    }) as never,
  handler: async (args) => {
    const { runSync } = await import('../run/sync.js');
    process.exitCode = await runSync(args);
  },
};
