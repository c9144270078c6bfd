// `spv serve --listen host:port`: a local peer for demos and tests: handshake, addresses, headers,
// and with --blocks (or --pay/--spend) full blocks, BIP157/158 compact filters and BIP37.
import type { CommandModule } from 'yargs';
import { withCommonOptions, withTraceOptions, type CommonArgs, type TraceArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';

export interface ServeArgs extends NetworkArgs, CommonArgs, TraceArgs {
  listen?: string;
  'max-inbound': number;
  timeout: number;
  addr?: string[];
  generate?: number;
  seed: string;
  datadir?: string;
  'mine-every'?: number;
  blocks?: boolean;
  pay?: string[];
  spend?: string[];
  'filler-outputs'?: number;
  v2transport: boolean;
  'silent-up-to-date'?: boolean;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run a local peer: handshake, pong, getaddr, getheaders; with --blocks also blocks, compact filters (BIP157/158) and BIP37 (default listen 127.0.0.1:<network port>)',
  builder: (y) =>
    withTraceOptions(withCommonOptions(withNetworkOptions(y)))
      .option('listen', { type: 'string', describe: 'host:port to listen on (port 0 picks a free one)' })
      .option('v2transport', { type: 'boolean', default: true, describe: 'accept BIP324 v2 and v1 on the one port and advertise NODE_P2P_V2 (--no-v2transport: v1 only, like Core -v2transport=0)' })
      .option('max-inbound', { type: 'number', default: 32, describe: 'inbound connection cap' })
      .option('timeout', { type: 'number', default: 10_000, describe: 'handshake timeout for inbound peers, ms' })
      .option('addr', { type: 'string', array: true, describe: 'an address to hand out in answer to getaddr (repeatable)' })
      .option('generate', { type: 'number', describe: 'serve a regtest chain of N headers generated at start (real proof of work)' })
      .option('seed', { type: 'string', default: '1', describe: 'seed for --generate (same seed, same chain)' })
      .option('datadir', { type: 'string', describe: 'serve the headers stored in this datadir' })
      .option('mine-every', { type: 'number', describe: 'mine a new regtest header (a block with --blocks) every N ms and announce it' })
      .option('blocks', { type: 'boolean', describe: 'regtest: serve whole blocks with transactions, BIP157/158 filters and BIP37 (implied by --pay/--spend)' })
      .option('pay', {
        type: 'string',
        array: true,
        describe: 'ADDR:AMOUNT@HEIGHT: block HEIGHT pays AMOUNT to ADDR from the miner (repeatable). AMOUNT in BTC ("0.5") or satoshis ("50000sat")',
      })
      .option('spend', {
        type: 'string',
        array: true,
        describe: 'ADDR:AMOUNT@HEIGHT: block HEIGHT spends AMOUNT (+ a 1000 sat fee) from ADDR\'s coins, change back to ADDR (repeatable)',
      })
      .option('silent-up-to-date', { type: 'boolean', describe: 'answer a getheaders with nothing new by silence (as bcoin does) instead of an empty headers (as Core does)' })
      .option('filler-outputs', { type: 'number', describe: 'with --blocks: add N outputs to unrelated scripts to every block (bigger filters)' })
      .example('$0 serve --regtest --generate 300 --pay bcrt1q...:0.5@120 --spend bcrt1q...:20000sat@150', 'a chain paying and spending an address, for spv watch') as never,
  handler: async (args) => {
    const { runServe } = await import('../run/serve.js');
    process.exitCode = await runServe(args);
  },
};
