// A raw TCP client for hostile-peer tests: sends exact bytes, collects what comes back, and
// reports when the other side closes. Can bind a chosen loopback source address (bans are per host).
import { Socket } from 'node:net';
import { connectSocket } from './socket.js';

export class RawClient {
  readonly socket = new Socket();
  received = Buffer.alloc(0);
  closed = false;
  private closeWaiters: (() => void)[] = [];
  private dataWaiters: (() => void)[] = [];

  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    const c = new RawClient();
    await connectSocket(c.socket, port, host, localAddress);
    c.socket.on('data', (d: Buffer) => {
      c.received = Buffer.concat([c.received, d]);
      const w = c.dataWaiters;
      c.dataWaiters = [];
      w.forEach((f) => f());
    });
    c.socket.on('close', () => {
      c.closed = true;
      c.closeWaiters.forEach((f) => f());
      c.dataWaiters.forEach((f) => f());
    });
    return c;
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Resolves true when the remote closes within `ms`, false otherwise. */
  waitClosed(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ms);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Wait until `pred(received)` holds or the socket closes/times out. */
  async waitFor(pred: (buf: Buffer) => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!pred(this.received)) {
      if (this.closed || Date.now() > deadline) return pred(this.received);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.dataWaiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return true;
  }

  /** Commands of the whole frames received so far (parsed by hand). */
  commands(): string[] {
    const out: string[] = [];
    let o = 0;
    while (this.received.length - o >= 24) {
      const len = this.received.readUInt32LE(o + 16);
      if (this.received.length - o < 24 + len) break;
      out.push(this.received.subarray(o + 4, o + 16).toString('ascii').replace(/\0+$/, ''));
      o += 24 + len;
    }
    return out;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
