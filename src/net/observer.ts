// Seeing a connection's messages: an observer the PeerManager calls for every message a peer
// sends or receives (the live trace and the capture files are observers). Unset, it costs one
// property check per message; nothing else in the layers knows tracing exists.
import type { Peer } from './peer.js';

/** Core's capture words: `recv` (dispatched to the protocol) and `sent` (handed to the transport). */
export type MessageDirection = 'recv' | 'sent';

export interface MessageObserver<M> {
  /**
   * One message. `wireSize` is its size on the wire; `frame` is its encoded bytes when the
   * sender had them (sent messages), undefined for received ones (an observer that wants their
   * bytes re-encodes the message: decoding is strict, so that gives the payload back).
   */
  message(peer: Peer<M, unknown>, direction: MessageDirection, message: M, wireSize: number, frame: Uint8Array | undefined): void;
}

/** The transport a peer speaks: BIP324 'v2' where the peer says so, else the v1 framing. */
export function peerTransport(peer: object): 'v1' | 'v2' {
  return (peer as { transport?: unknown }).transport === 'v2' ? 'v2' : 'v1';
}

/** One observer that calls each of `observers` in turn (undefined when there are none). */
export function combineObservers<M>(...observers: (MessageObserver<M> | undefined)[]): MessageObserver<M> | undefined {
  const list = observers.filter((o): o is MessageObserver<M> => o !== undefined);
  if (list.length <= 1) return list[0];
  return { message: (...args) => { for (const o of list) o.message(...args); } };
}
