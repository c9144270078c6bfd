// `spv watch --address ...`: find every transaction paying to or spending from the addresses.
import type { CommandModule } from 'yargs';
import { withCommonOptions, withTraceOptions, type CommonArgs, type TraceArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';
import { withPeerOptions, type PeerOptionArgs } from '../peer-options.js';

export interface WatchArgs extends NetworkArgs, CommonArgs, PeerOptionArgs, TraceArgs {
  address: string[];
  'from-height': number;
  bloom: boolean;
  'fp-rate': number;
  follow: boolean;
  'pending-expiry': number;
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch',
  describe: 'Watch addresses: compact block filters (BIP157/158, default) or BIP37 bloom filters (--bloom)',
  builder: (y) =>
    withPeerOptions(withTraceOptions(withCommonOptions(withNetworkOptions(y))), 4)
      .option('address', { type: 'string', array: true, demandOption: true, describe: 'an address of the chosen network (repeatable)' })
      .option('from-height', { type: 'number', default: 0, describe: 'scan from this block height (earlier payments are not seen)' })
      .option('bloom', { type: 'boolean', default: false, describe: 'use BIP37 bloom filters (reveals your addresses to the peer; see README)' })
      .option('fp-rate', { type: 'number', default: 0.0001, describe: 'bloom filter false-positive rate with --bloom' })
      .option('follow', { type: 'boolean', default: true, describe: 'keep following new blocks after the scan (--no-follow: exit); also shows unconfirmed (pending) payments' })
      .option('pending-expiry', { type: 'number', default: 86_400, describe: 'forget a pending transaction neither confirmed nor re-announced for this many seconds' }) as never,
  handler: async (args) => {
    const { runWatch } = await import('../run/watch.js');
    process.exitCode = await runWatch(args);
  },
};
