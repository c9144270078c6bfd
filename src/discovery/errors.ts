// The discovery layer's error class. Codes are stable: the CLI and `spv connect` switch on
// them (a bad user seeds file is a usage problem; a failing DNS seed is only recorded).
import { SpvError } from '../util/errors.js';

export type DiscoveryErrorCode =
  /** A seeds file line that is not `IPv4:port` / `[IPv6]:port` (message names file and line). */
  | 'seeds_file_syntax'
  /** A seeds file that cannot be read. */
  | 'seeds_file_unreadable'
  /** The package root (folder with package.json) holding seeds/ was not found. */
  | 'seeds_dir_missing'
  /** DNS: the name does not exist (rcode 3, NXDOMAIN). */
  | 'dns_nxdomain'
  /** DNS: the server failed (rcode 2, SERVFAIL). */
  | 'dns_servfail'
  /** DNS: the server refused the query (rcode 5, REFUSED). */
  | 'dns_refused'
  /** DNS: no answer within the deadline. */
  | 'dns_timeout'
  /** DNS: anything else (bad reply, connection refused, ...). */
  | 'dns_failed'
  /** discoverPeers was asked to use DNS without a lookup function. */
  | 'no_dns_lookup';

export class DiscoveryError extends SpvError {
  constructor(
    override readonly code: DiscoveryErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
