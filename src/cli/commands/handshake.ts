// `spv handshake <host:port>`: connect, handshake, print what the peer said.
import type { CommandModule } from 'yargs';
import { withCommonOptions, withTraceOptions, type CommonArgs, type TraceArgs } from '../common-options.js';
import { withNetworkOptions, type NetworkArgs } from '../network-options.js';
import { V2TRANSPORT_OPTION } from '../peer-options.js';

interface Args extends NetworkArgs, CommonArgs, TraceArgs {
  address: string;
  timeout: number;
  v2transport: boolean;
}

export const handshakeCommand: CommandModule<object, Args> = {
  command: 'handshake <address>',
  describe: 'Connect to one peer, do the version/verack handshake and a ping, print what it said',
  builder: (y) =>
    withTraceOptions(withCommonOptions(withNetworkOptions(y)))
      .positional('address', { type: 'string', demandOption: true, describe: 'host:port or [ipv6]:port (port defaults to the network\'s)' })
      .option('timeout', { type: 'number', default: 10_000, describe: 'handshake timeout, ms' })
      .option('v2transport', V2TRANSPORT_OPTION) as never,
  handler: async (args) => {
    const { runHandshake } = await import('../run/handshake.js');
    process.exitCode = await runHandshake(args);
  },
};
