// Options shared by the commands that find and hold peers (`spv connect`, `spv sync`, `spv watch`).
import type { Argv } from 'yargs';

export interface PeerOptionArgs {
  'max-peers': number;
  connect?: string[];
  'dns-server'?: string;
  'seeds-file'?: string;
  dns: boolean;
  timeout: number;
  datadir?: string;
  /** Download hints file, or 'none' / false (--no-hints); the network's shipped file by default. */
  hints?: string | false;
}

export function withPeerOptions<T>(y: Argv<T>, defaultMaxPeers: number): Argv<T & PeerOptionArgs> {
  return y
    .option('max-peers', { type: 'number', default: defaultMaxPeers, describe: 'outbound connections to hold (Core: 8 full-relay)' })
    .option('connect', { type: 'string', array: true, describe: 'connect only to this host:port (repeatable), like Core -connect' })
    .option('dns-server', { type: 'string', describe: 'ask this DNS server (IP[:port]) instead of the system resolver' })
    .option('seeds-file', { type: 'string', describe: 'use this file of host:port lines instead of the shipped seeds/<network>.txt' })
    .option('dns', { type: 'boolean', default: true, describe: 'query DNS seeds (--no-dns to skip)' })
    .option('timeout', { type: 'number', default: 10_000, describe: 'per-peer connect and handshake timeout, ms' })
    .option('datadir', { type: 'string', describe: 'where headers are stored (default ~/.spv/<network>/)' })
    .option('hints', {
      type: 'string',
      describe: 'download hints file ("height hash" lines, e.g. from `spv headers hints`) to fetch header ranges from all peers at once; "none" or --no-hints: one peer at a time (default: the shipped hints/<network>.txt, if any)',
    }) as Argv<T & PeerOptionArgs>;
}
