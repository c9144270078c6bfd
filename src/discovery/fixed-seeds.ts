// Fixed seed lists: the shipped seeds/<network>.txt files (the fallback when DNS seeds give too
// few addresses, like Core's chainparamsseeds.h) and a user's --seeds-file. Format: one
// `IPv4:port` or `[IPv6]:port` per line (port optional: the network default), `#` comments.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetworkName } from '../params/networks.js';
import type { PeerAddress } from '../util/address.js';
import { errorMessage } from '../util/errors.js';
import { DiscoveryError } from './errors.js';
import { canonicalIp, isCjdns } from './host.js';

/** The folder holding the shipped lists, relative to the package root. */
export const SEEDS_DIR = 'seeds';

/**
 * Parse a seeds file's text. Strict: every line that is not blank or a comment must be one
 * dialable address, else a DiscoveryError `seeds_file_syntax` names `file` and the line number.
 */
export function parseSeedsFile(text: string, file: string, defaultPort: number): PeerAddress[] {
  const out: PeerAddress[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i]!.indexOf('#');
    const entry = (hash >= 0 ? lines[i]!.slice(0, hash) : lines[i]!).trim();
    if (entry === '') continue;
    const bad = (why: string): DiscoveryError =>
      new DiscoveryError('seeds_file_syntax', `${file}:${i + 1}: ${why} ("${entry}")`);
    if (/\s/.test(entry)) throw bad('one address per line, expected host:port');
    out.push(parseSeedEntry(entry, defaultPort, bad));
  }
  return out;
}

function parseSeedEntry(entry: string, defaultPort: number, bad: (why: string) => DiscoveryError): PeerAddress {
  let hostText: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
  if (bracket) {
    hostText = bracket[1]!;
    portText = bracket[2];
  } else if (entry.startsWith('[')) {
    throw bad('expected [IPv6]:port');
  } else if (entry.indexOf(':') !== entry.lastIndexOf(':')) {
    throw bad('IPv6 addresses must be written in brackets, e.g. [2001:db8::1]:18333');
  } else {
    const colon = entry.indexOf(':');
    hostText = colon >= 0 ? entry.slice(0, colon) : entry;
    portText = colon >= 0 ? entry.slice(colon + 1) : undefined;
  }
  if (/\.onion$|\.i2p$/i.test(hostText)) throw bad('Tor and I2P addresses cannot be dialled: spv connects over plain TCP (IPv4/IPv6) only');
  const ip = canonicalIp(hostText);
  if (!ip) throw bad(bracket ? 'not an IPv6 address' : 'not an IPv4 address (host names are not allowed in a seeds file)');
  if (bracket && isIP(hostText) !== 6) throw bad('brackets are for IPv6 addresses only');
  if (ip.family === 6 && isCjdns(ip.host)) throw bad('CJDNS addresses (fc00::/8) cannot be dialled: spv connects over plain TCP (IPv4/IPv6) only');
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw bad('port must be a number');
    port = Number(portText);
    if (port < 1 || port > 65535) throw bad('port must be between 1 and 65535');
  }
  return { host: ip.host, port };
}

/** Read and parse a seeds file; unreadable → `seeds_file_unreadable`, bad line → `seeds_file_syntax`. */
export async function readSeedsFile(path: string, defaultPort: number): Promise<PeerAddress[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DiscoveryError('seeds_file_unreadable', `cannot read seeds file ${path}: ${errorMessage(err)}`);
  }
  return parseSeedsFile(text, path, defaultPort);
}

let cachedRoot: string | undefined;

/**
 * The package root: the nearest folder above this module holding package.json. Works from
 * src/discovery (ts-jest) and from dist/src/discovery (compiled), since dist/ has none.
 */
export function packageRoot(fromUrl: string = import.meta.url): string {
  if (fromUrl === import.meta.url && cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) break;
    const up = dirname(dir);
    if (up === dir) throw new DiscoveryError('seeds_dir_missing', `no package.json above ${fileURLToPath(fromUrl)}; cannot locate ${SEEDS_DIR}/`);
    dir = up;
  }
  if (fromUrl === import.meta.url) cachedRoot = dir;
  return dir;
}

/** Path of the shipped list for a network: <package root>/seeds/<network>.txt. */
export function shippedSeedsPath(network: NetworkName): string {
  return join(packageRoot(), SEEDS_DIR, `${network}.txt`);
}
