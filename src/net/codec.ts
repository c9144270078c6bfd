// The seam between bytes and messages. net/ moves bytes; a Codec (Bitcoin's binary envelope,
// or the toy chain's JSON lines) turns them into typed messages and back.
import type { SpvError } from '../util/errors.js';

export type Frame<M> =
  /** A whole, well-formed message. `bytes` is its size on the wire. */
  | { readonly kind: 'message'; readonly message: M; readonly bytes: number }
  /** One message was bad (e.g. checksum mismatch) but the stream is still in sync: skip it.
   * `misbehaving`: the codec knows this breaks a rule worth a ban at once (e.g. more
   * entries than the protocol allows), not merely a corrupted message. */
  | { readonly kind: 'invalid'; readonly error: SpvError; readonly bytes: number; readonly misbehaving?: boolean }
  /** The stream cannot be trusted any more (wrong magic, oversized length): disconnect. */
  | { readonly kind: 'fatal'; readonly error: SpvError };

export interface FrameDecoder<M> {
  /** Feed bytes in any chunking; returns the frames completed so far, in order. Never throws.
   * After a `fatal` frame the decoder returns nothing more. */
  push(chunk: Uint8Array): Frame<M>[];
  /** Bytes held waiting for the rest of a frame (bounded by the codec's caps). */
  readonly bufferedBytes: number;
}

export interface Codec<M> {
  createDecoder(): FrameDecoder<M>;
  encode(message: M): Uint8Array;
  /** Short name for logs (the command). */
  describe(message: M): string;
}
