// host:port parsing and formatting, IPv6 in brackets ("[::1]:18444") as Bitcoin Core writes it.
import { isIP } from 'node:net';
import { UsageError } from './errors.js';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** Parse "host:port", "[v6]:port", or a bare host when `defaultPort` is given. */
export function parseHostPort(text: string, defaultPort?: number): PeerAddress {
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (isIP(host) !== 6) throw new UsageError('bad_address', `"${text}": bracketed host must be an IPv6 address`);
  } else if (isIP(s) === 6) {
    host = s; // bare IPv6 without a port
  } else {
    const i = s.lastIndexOf(':');
    if (i >= 0) {
      host = s.slice(0, i);
      portText = s.slice(i + 1);
    } else host = s;
  }
  if (host === '') throw new UsageError('bad_address', `"${text}": missing host`);
  let port: number;
  if (portText === undefined || portText === '') {
    if (defaultPort === undefined) throw new UsageError('bad_address', `"${text}": expected host:port`);
    port = defaultPort;
  } else {
    if (!/^\d+$/.test(portText)) throw new UsageError('bad_address', `"${text}": port must be a number`);
    port = Number(portText);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('bad_address', `"${text}": port out of range`);
  return { host, port };
}

export function formatHostPort(a: PeerAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice(7) : host;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
