// `spv broadcast <hex | @file | ->`: check a raw transaction, announce it to a few peers, serve it
// on getdata, report per peer; `--wait-confirm [N]` follows it into the chain.
import type { CommandModule } from 'yargs';
import { withCommonOptions, withTraceOptions, type CommonArgs, type TraceArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';
import { withPeerOptions, type PeerOptionArgs } from '../peer-options.js';

export interface BroadcastArgs extends NetworkArgs, CommonArgs, PeerOptionArgs, TraceArgs {
  tx: string;
  'wait-confirm'?: number;
  'spread-ms': number;
  'handshake-timeout': number;
}

export const broadcastCommand: CommandModule<object, BroadcastArgs> = {
  command: 'broadcast <tx>',
  describe: 'Broadcast a raw transaction (hex, @file, or - for stdin): checked first, announced to --max-peers peers (default 2), served on getdata',
  builder: (y) =>
    withPeerOptions(withTraceOptions(withCommonOptions(withNetworkOptions(y))), 2)
      .positional('tx', { type: 'string', demandOption: true, describe: 'the transaction: hex, @FILE (hex or raw bytes), or - (hex on stdin)' })
      .option('timeout', { type: 'number', default: 30_000, describe: 'give up when no peer has requested and received it within this many ms' })
      .option('handshake-timeout', { type: 'number', default: 10_000, describe: 'per-peer connect and handshake timeout, ms' })
      .option('spread-ms', { type: 'number', default: 1_000, describe: 'mean random delay between announcements to successive peers, ms (0: all at once)' })
      .option('wait-confirm', {
        // A string so that a bare `--wait-confirm` arrives as '' (a number option would drop it).
        type: 'string',
        describe: 'then follow headers and compact filters until the transaction is N blocks deep (default 1), and report its height (uses --datadir)',
        coerce: (v: unknown) => (v === '' || v === true ? 1 : Number(v)),
      }) as never,
  handler: async (args) => {
    const { runBroadcast } = await import('../run/broadcast.js');
    process.exitCode = await runBroadcast(args);
  },
};
