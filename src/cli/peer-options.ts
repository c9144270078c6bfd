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
  v2transport: boolean;
  /** Download hints file, or 'none' / false (--no-hints); the network's shipped file by default. */
  hints?: string | false;
  /** Core -minimumchainwork=<hex>. */
  minimumchainwork?: string;
}

/** Core -v2transport (default on since 27.0): BIP324 v2 first, v1 fallback. */
export const V2TRANSPORT_OPTION = {
  type: 'boolean',
  default: true,
  describe: 'BIP324 encrypted transport: try v2 first with peers that offer it and with --connect/handshake addresses, falling back to v1 (--no-v2transport: v1 only, like Core -v2transport=0)',
} as const;

export function withPeerOptions<T>(y: Argv<T>, defaultMaxPeers: number): Argv<T & PeerOptionArgs> {
  return y
    .option('max-peers', { type: 'number', default: defaultMaxPeers, describe: 'outbound connections to hold (Core: 8 full-relay)' })
    .option('connect', { type: 'string', array: true, describe: 'connect only to this host:port (repeatable), like Core -connect' })
    .option('dns-server', { type: 'string', describe: 'ask this DNS server (IP[:port]) instead of the system resolver' })
    .option('seeds-file', { type: 'string', describe: 'use this file of host:port lines instead of the shipped seeds/<network>.txt' })
    .option('dns', { type: 'boolean', default: true, describe: 'query DNS seeds (--no-dns to skip)' })
    .option('timeout', { type: 'number', default: 10_000, describe: 'per-peer connect and handshake timeout, ms' })
    .option('datadir', { type: 'string', describe: 'where headers are stored (default ~/.spv/<network>/)' })
    .option('v2transport', V2TRANSPORT_OPTION)
    .option('minimumchainwork', {
      type: 'string',
      describe: "minimum chain work (hex) a chain needs to be trusted, instead of the network's (like Core -minimumchainwork)",
    })
    .option('hints', {
      type: 'string',
      describe: 'download hints file ("height hash" lines, e.g. from `spv headers hints`) to fetch header ranges from all peers at once; "none" or --no-hints: one peer at a time (default: the shipped hints/<network>.txt, if any)',
    }) as Argv<T & PeerOptionArgs>;
}
