// bitcore-p2p (BitPay's P2P library, npm) as an independent implementation of the Bitcoin
// protocol for interop tests. It is CommonJS and untyped: this file loads it and gives the few
// parts the tests use a type. Its `buffers` dependency points at a git repository, which npm
// cannot fetch here; package.json overrides it with `node-buffers` (the same library, on npm).
import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';

const require = createRequire(import.meta.url);

/* eslint-disable @typescript-eslint/no-explicit-any */
export const bitcore = require('bitcore-lib') as any;
export const p2p = require('bitcore-p2p') as any;
/* eslint-enable @typescript-eslint/no-explicit-any */

bitcore.Networks.enableRegtest();
/** bitcore's regtest network object (magic fabfb5da, port 18444). */
export const REGTEST = bitcore.Networks.get('regtest');

export interface BitcorePeer {
  version: number;
  subversion: string;
  bestHeight: number;
  status: string;
  messages: BitcoreMessages;
  on(event: string, fn: (msg: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  once(event: string, fn: (msg: any) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  connect(): void;
  disconnect(): void;
  sendMessage(m: unknown): void;
  _sendVersion(): void;
  versionSent: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface BitcoreMessages {
  Ping(nonce?: Buffer): any;
  GetAddr(): any;
  Addresses(addrs: any[]): any;
  GetHeaders(arg: { starts: (string | Buffer)[]; stop?: string | Buffer }): any;
  Headers(headers: any[]): any;
  Version(arg: Record<string, unknown>): any;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** A bitcore Peer dialing host:port on regtest. */
export function dialBitcore(host: string, port: number): BitcorePeer {
  return new p2p.Peer({ host, port, network: REGTEST }) as BitcorePeer;
}

/** Resolves with the first `event` the peer emits, or rejects after `ms`. */
export function nextEvent<T = any>(peer: BitcorePeer, event: string, ms = 10_000): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bitcore peer: no ${event} within ${ms} ms`)), ms);
    peer.once(event, (m: T) => {
      clearTimeout(t);
      resolve(m);
    });
  });
}

/**
 * A listener whose every inbound connection is a bitcore Peer (it answers ping with pong).
 * `setup` adds the test's own handlers, e.g. headers served with bitcore's encoder, before any
 * byte is read. Left alone, bitcore answers a version with verack *before* its own version, a
 * verack that Core (and we) ignore as a message before version; so, as Core's inbound side
 * does, the listener has bitcore send its version first, and bitcore then only adds verack.
 */
export async function listenBitcore(host: string, setup: (peer: BitcorePeer, socket: Socket) => void): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const peer = new p2p.Peer({ socket, network: REGTEST }) as BitcorePeer;
    peer.on('error', () => {});
    setup(peer, socket);
    peer._sendVersion();
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
