// Test helpers for the toy mode: a line-oriented raw TCP client (hostile or tutorial-style), a
// minimal "tutorial node" that speaks only BLOCK:/GET_CHAIN, chain builders, and `until`.
import { createServer, Socket, type Server } from 'node:net';
import { blockToJson, GENESIS_BLOCK, mineBlock, parseBlock, type ToyBlock, type ToyTransaction } from '../../src/toy/index.js';
import { ToyNode, type ToyNodeOptions } from '../../src/toy/node.js';
import { MemoryLog } from '../../src/util/log.js';
import { connectSocket } from '../helpers/socket.js';

/** Poll `cond` until true (events here are cheap to re-check); reject after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const T0 = 1_750_000_000; // a timestamp in the past, well after genesis

/** Mine `n` blocks on top of `parent` at `difficulty` (synchronously; use difficulty 0 or 1). */
export function buildChain(n: number, difficulty: number, parent: ToyBlock = GENESIS_BLOCK, tag = 'b', transactions: ToyTransaction[] = []): ToyBlock[] {
  const out: ToyBlock[] = [];
  let p = parent;
  for (let i = 0; i < n; i++) {
    p = mineBlock({ index: p.index + 1, timestamp: T0 + p.index + 1, nonce: 0, data: `${tag}${p.index + 1}`, prev_hash: p.hash, transactions }, difficulty);
    out.push(p);
  }
  return out;
}

export const blockLine = (b: ToyBlock): string => `BLOCK:${blockToJson(b)}\n`;

/** Nodes created through `startNode` are closed by `closeAll` (call it in afterEach). */
const started: { close(): Promise<void> }[] = [];
export async function startNode(opts: ToyNodeOptions = {}): Promise<ToyNode & { memlog: MemoryLog }> {
  const memlog = new MemoryLog();
  const node = await ToyNode.start({ difficulty: 1, log: memlog, legacyProbeMs: 300, legacySyncIdleMs: 300, net: { reconnectBaseMs: 50, reconnectMaxMs: 500 }, ...opts });
  started.push(node);
  return Object.assign(node, { memlog });
}
export async function closeAll(): Promise<void> {
  const all = started.splice(0);
  await Promise.all(all.map((n) => n.close()));
}

/** A raw line client: writes exact bytes, collects lines, knows when the other side hung up. */
export class LineClient {
  readonly socket = new Socket();
  readonly lines: string[] = [];
  closed = false;
  private buf = '';

  static async connect(port: number, localAddress?: string, host = '127.0.0.1'): Promise<LineClient> {
    const c = new LineClient();
    started.push({ close: async () => void c.socket.destroy() });
    await connectSocket(c.socket, port, host, localAddress);
    c.socket.setEncoding('utf8');
    c.socket.on('data', (d: string) => {
      c.buf += d;
      let i;
      while ((i = c.buf.indexOf('\n')) >= 0) {
        c.lines.push(c.buf.slice(0, i));
        c.buf = c.buf.slice(i + 1);
      }
    });
    c.socket.on('close', () => (c.closed = true));
    return c;
  }

  write(text: string | Uint8Array): void {
    if (!this.closed) this.socket.write(text);
  }
  blocks(): ToyBlock[] {
    return this.lines.filter((l) => l.startsWith('BLOCK:')).map((l) => parseBlock(JSON.parse(l.slice(6))));
  }
  close(): void {
    this.socket.destroy();
  }
}

/**
 * The tutorial's node, reduced to its protocol: listens and dials, answers GET_CHAIN with one
 * BLOCK line per block, appends a BLOCK that extends its tip and relays it to its other
 * connections, and ignores every other line (our HELLO/TIP/GET_BLOCKS included).
 */
export class TutorialNode {
  readonly chain: ToyBlock[] = [GENESIS_BLOCK];
  readonly received: string[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  constructor(readonly difficulty: number) {
    started.push(this);
  }

  async listen(): Promise<number> {
    this.server = createServer((s) => this.attach(s));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  async dial(port: number): Promise<Socket> {
    const s = new Socket();
    await new Promise<void>((r) => s.connect(port, '127.0.0.1', r));
    this.attach(s);
    return s;
  }

  mine(data: string): ToyBlock {
    const tip = this.chain[this.chain.length - 1]!;
    const b = mineBlock({ index: tip.index + 1, timestamp: Math.floor(Date.now() / 1000), nonce: 0, data, prev_hash: tip.hash, transactions: [] }, this.difficulty);
    this.chain.push(b);
    for (const s of this.sockets) s.write(blockLine(b));
    return b;
  }

  send(s: Socket, line: string): void {
    s.write(line);
  }

  private attach(s: Socket): void {
    this.sockets.add(s);
    s.setEncoding('utf8');
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
    let buf = '';
    s.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.received.push(line);
        if (line === 'GET_CHAIN') for (const b of this.chain) s.write(blockLine(b));
        else if (line.startsWith('BLOCK:')) {
          const b = parseBlock(JSON.parse(line.slice(6)));
          const tip = this.chain[this.chain.length - 1]!;
          if (b.prev_hash === tip.hash && b.index === tip.index + 1) {
            this.chain.push(b);
            for (const o of this.sockets) if (o !== s) o.write(blockLine(b));
          }
        }
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
