// Request/reply bookkeeping on top of PeerService messages: `await` a peer's answer with a
// deadline. A reply that never comes is a timeout (the peer is dropped, not banned); a peer
// that goes away fails its pending requests at once.
import type { Message } from '../wire/message.js';
import { reason } from '../net/disconnect.js';
import { SpvError } from '../util/errors.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** How long a peer may take to answer one request (Core's HEADERS_RESPONSE_TIME is 2 min). */
export const REQUEST_TIMEOUT_MS = 30_000;

export class RequestError extends SpvError {}

interface Waiter {
  /** Returns true when the message was consumed; 'done' when the waiter is satisfied. */
  take(msg: Message): boolean | 'done';
  fail(err: Error): void;
}

export class PeerRequests implements PeerService {
  private readonly waiters = new Map<BitcoinPeer, Waiter[]>();
  constructor(private readonly timeoutMs = REQUEST_TIMEOUT_MS) {}

  onMessage(peer: BitcoinPeer, msg: Message): void {
    const list = this.waiters.get(peer);
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      const r = (list[i] as Waiter).take(msg);
      if (r === 'done') list.splice(i, 1);
      if (r) return;
    }
  }

  onDisconnect(peer: BitcoinPeer): void {
    const list = this.waiters.get(peer) ?? [];
    this.waiters.delete(peer);
    for (const w of list) w.fail(new RequestError('peer_gone', `${peer.label} disconnected (${peer.disconnectReason?.code ?? '?'})`));
  }

  /**
   * Send `request` and collect replies: `accept` sees each message from the peer and returns
   * undefined (not mine) or a value to collect (or throws to fail the request), and
   * `isDone(collected)` ends the wait.
   */
  ask<T>(peer: BitcoinPeer, request: Message | Message[], accept: (m: Message) => T | undefined, isDone: (got: T[]) => boolean, what: string): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      if (peer.isClosed) return reject(new RequestError('peer_gone', `${peer.label} is not connected`));
      const got: T[] = [];
      const list = this.waiters.get(peer) ?? [];
      this.waiters.set(peer, list);
      const timer = setTimeout(() => {
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        reject(new RequestError('timeout', `${peer.label}: no complete answer to ${what} within ${this.timeoutMs} ms`));
        peer.disconnect(reason('timeout', 'request_timeout', `no answer to ${what}`));
      }, this.timeoutMs);
      const waiter: Waiter = {
        take: (msg) => {
          let v: T | undefined;
          try {
            v = accept(msg);
          } catch (err) {
            // The reply itself broke a rule: the caller decides what that costs the peer.
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
            return 'done';
          }
          if (v === undefined) return false;
          got.push(v);
          if (!isDone(got)) return true;
          clearTimeout(timer);
          resolve(got);
          return 'done';
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      list.push(waiter);
      for (const m of Array.isArray(request) ? request : [request]) peer.send(m);
    });
  }
}
