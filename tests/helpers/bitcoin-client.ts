// A test client for talking to local peers over loopback: an Inbox that records what arrives
// and lets a test wait for it, a connect() that resolves after the handshake, and a cleanup
// list the suite runs after each test.
import { once } from 'node:events';
import { NETWORKS } from '../../src/params/networks.js';
import type { DisconnectReason } from '../../src/net/disconnect.js';
import { createBitcoinNode, type BitcoinNode } from '../../src/bitcoin/node.js';
import type { BitcoinPeer, PeerService } from '../../src/bitcoin/protocol.js';
import { startLocalPeer, type LocalPeer, type LocalPeerOptions } from '../../src/bitcoin/local-chain.js';
import type { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import type { Message } from '../../src/wire/message.js';

/** Register with `afterEach(runCleanup(cleanup))`. */
export type Cleanup = (() => Promise<void> | void)[];
export function runCleanup(cleanup: Cleanup): () => Promise<void> {
  return async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  };
}

/** Records what a connected client receives and lets a test wait for it. */
export class Inbox implements PeerService {
  readonly messages: Message[] = [];
  closed: DisconnectReason | undefined;
  private waiters: (() => void)[] = [];
  onMessage(_peer: BitcoinPeer, msg: Message): void {
    if (msg.command === 'ping' || msg.command === 'pong') return;
    this.messages.push(msg);
    this.wake();
  }
  onDisconnect(_peer: BitcoinPeer, why: DisconnectReason): void {
    this.closed = why;
    this.wake();
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
  /** Resolves when `pred` holds; rejects after `ms` or when the connection closes first. */
  async until(pred: (msgs: readonly Message[]) => boolean, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.messages)) {
      const left = deadline - Date.now();
      const got = this.messages.map((m) => m.command).join(' ');
      if (this.closed) throw new Error(`disconnected (${this.closed.code}); received: ${got}`);
      if (left <= 0) throw new Error(`timed out; received: ${got}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  of<C extends Message['command']>(command: C): Extract<Message, { command: C }>[] {
    return this.messages.filter((m): m is Extract<Message, { command: C }> => m.command === command);
  }
}

export interface Client {
  node: BitcoinNode;
  remote: BitcoinPeer;
  inbox: Inbox;
  send(m: Message): void;
}

/** A regtest client connected (handshake done) to 127.0.0.1:port. */
export async function connect(cleanup: Cleanup, port: number, localAddress?: string): Promise<Client> {
  const node = createBitcoinNode({ params: NETWORKS.regtest });
  const inbox = new Inbox();
  node.protocol.use(inbox);
  cleanup.push(() => node.manager.close());
  const ready = once(node.protocol, 'ready');
  const remote = (await node.manager.connect({ host: '127.0.0.1', port }, localAddress)) as BitcoinPeer;
  await ready;
  return { node, remote, inbox, send: (m) => remote.send(m) };
}

/** A local peer serving `chain`, closed by the cleanup. */
export async function serveChain(cleanup: Cleanup, chain: LocalBlockChain, opts: LocalPeerOptions = {}): Promise<LocalPeer> {
  const p = await startLocalPeer(chain, opts);
  cleanup.push(() => p.close());
  return p;
}

/**
 * The usual setup of a test file against local peers: a cleanup list run after each test, and
 * `serve`/`connect` bound to it. Call once at the top level of the file.
 */
export function localPeerSuite(chain: LocalBlockChain): {
  cleanup: Cleanup;
  serve(opts?: LocalPeerOptions, served?: LocalBlockChain): Promise<LocalPeer>;
  connect(port: number, localAddress?: string): Promise<Client>;
} {
  const cleanup: Cleanup = [];
  afterEach(runCleanup(cleanup));
  return {
    cleanup,
    serve: (opts = {}, served = chain) => serveChain(cleanup, served, opts),
    connect: (port, localAddress) => connect(cleanup, port, localAddress),
  };
}
