// `spv connect`: discover peers, hold several connections, show their status.
import type { CommandModule } from 'yargs';
import { withCommonOptions, type CommonArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';

export interface ConnectArgs extends NetworkArgs, CommonArgs {
  'max-peers': number;
  connect?: string[];
  'dns-server'?: string;
  'seeds-file'?: string;
  dns: boolean;
  timeout: number;
  'status-interval': number;
  duration?: number;
}

export const connectCommand: CommandModule<object, ConnectArgs> = {
  command: 'connect',
  describe: 'Discover peers (DNS seeds, then fixed seeds), connect to several and stay connected',
  builder: (y) =>
    withCommonOptions(withNetworkOptions(y))
      .option('max-peers', { type: 'number', default: 8, describe: 'outbound connections to hold (Core: 8 full-relay)' })
      .option('connect', { type: 'string', array: true, describe: 'connect only to this host:port (repeatable), like Core -connect' })
      .option('dns-server', { type: 'string', describe: 'ask this DNS server (IP[:port]) instead of the system resolver' })
      .option('seeds-file', { type: 'string', describe: 'use this file of host:port lines instead of the shipped seeds/<network>.txt' })
      .option('dns', { type: 'boolean', default: true, describe: 'query DNS seeds (--no-dns to skip)' })
      .option('timeout', { type: 'number', default: 10_000, describe: 'per-peer connect and handshake timeout, ms' })
      .option('status-interval', { type: 'number', default: 10_000, describe: 'how often to print the peer table, ms' })
      .option('duration', { type: 'number', describe: 'exit after this many ms (default: run until Ctrl+C)' }) as never,
  handler: async (args) => {
    const { runConnect } = await import('../run/connect.js');
    process.exitCode = await runConnect(args);
  },
};
