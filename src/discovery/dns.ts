// The real DnsLookup: a node:dns/promises Resolver (c-ares), optionally pointed at one server
// (--dns-server host:port). The only file in discovery/ that touches node:dns. Each query gets
// its own Resolver so an abort cancels exactly that query and nothing is left pending.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { UsageError, errorMessage } from '../util/errors.js';
import { DiscoveryError } from './errors.js';
import { DNS_SEED_TIMEOUT_MS, NODE_DNS_CODES, type DnsLookup } from './dns-seeds.js';
import { canonicalIp } from './host.js';

/** DNS over UDP/TCP (RFC 1035 4.2). */
export const DNS_PORT = 53;
/** c-ares attempts per query (Node's default is 4; two survive one lost datagram). c-ares doubles
 *  the per-try timeout on each retry, so tries of T/3 and 2T/3 end at the caller's deadline T. */
export const DNS_QUERY_TRIES = 2;

export interface DnsLookupOptions {
  /** A server as accepted by parseDnsServer ("127.0.0.1:5353", "[::1]:5353"); default: the system's. */
  readonly server?: string;
  /** The caller's deadline for one seed (default DNS_SEED_TIMEOUT_MS); sizes the c-ares tries. */
  readonly timeoutMs?: number;
}

/**
 * Check a --dns-server value and return it in the form Resolver.setServers takes. Only IP
 * literals: resolving the resolver's own name would need another resolver.
 */
export function parseDnsServer(text: string): string {
  const usage = (why: string): UsageError =>
    new UsageError('bad_dns_server', `--dns-server "${text}": ${why} (expected IP[:port], e.g. 127.0.0.1:5353 or [::1]:5353)`);
  const s = text.trim();
  let hostText = s;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (bracket) {
    hostText = bracket[1]!;
    portText = bracket[2];
  } else if (s.indexOf(':') === s.lastIndexOf(':') && s.includes(':')) {
    hostText = s.slice(0, s.indexOf(':'));
    portText = s.slice(s.indexOf(':') + 1);
  }
  const ip = canonicalIp(hostText);
  if (!ip) throw usage('not an IP address');
  if (bracket && isIP(hostText) !== 6) throw usage('brackets are for IPv6 addresses only');
  let port = DNS_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw usage('port must be a number');
    port = Number(portText);
    if (port < 1 || port > 65535) throw usage('port must be between 1 and 65535');
  }
  return ip.family === 6 ? `[${ip.host}]:${port}` : `${ip.host}:${port}`;
}

/** A DnsLookup backed by c-ares. NODATA (the name exists, no records of that type) is []. */
export function createDnsLookup(opts: DnsLookupOptions = {}): DnsLookup {
  const servers = opts.server === undefined ? undefined : [parseDnsServer(opts.server)];
  const perTryMs = Math.max(50, Math.floor((opts.timeoutMs ?? DNS_SEED_TIMEOUT_MS) / 3));
  return async (name, family, signal) => {
    const rrtype = family === 4 ? 'A' : 'AAAA';
    if (signal?.aborted) throw new DiscoveryError('dns_timeout', `${name} ${rrtype}: aborted before it was sent`);
    const resolver = new Resolver({ timeout: perTryMs, tries: DNS_QUERY_TRIES });
    if (servers) resolver.setServers(servers);
    const cancel = (): void => resolver.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      return family === 4 ? await resolver.resolve4(name) : await resolver.resolve6(name);
    } catch (err) {
      const nodeCode = (err as { code?: unknown }).code;
      if (nodeCode === 'ENODATA') return [];
      const code = (typeof nodeCode === 'string' && NODE_DNS_CODES[nodeCode]) || 'dns_failed';
      throw new DiscoveryError(code, `${name} ${rrtype}: ${errorMessage(err)}`);
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  };
}
