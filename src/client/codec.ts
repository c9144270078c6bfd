// The Bitcoin wire codec for tool builders: one message to a v1 frame and back, and a
// streaming decoder for a byte stream in any chunking. Same code the client runs.
import type { Frame } from '../net/codec.js';
import { WireError } from '../wire/errors.js';
import { encodeMessage as encodeFrame } from '../wire/envelope.js';
import { BitcoinFrameDecoder } from '../wire/frame-decoder.js';
import type { Message } from '../wire/message.js';
import { networkParams, type NetworkName } from './types.js';

/** A whole v1 frame (magic, command, length, double-SHA-256 checksum, payload). Throws WireError. */
export function encodeMessage(message: Message, opts: { network: NetworkName }): Uint8Array {
  return encodeFrame(networkParams(opts.network).magic, message);
}

/**
 * Exactly one frame → its message. Throws WireError (with a stable `code`: bad_magic,
 * oversized, bad_checksum, truncated, trailing_bytes, ...) for anything else.
 */
export function decodeMessage(frame: Uint8Array, opts: { network: NetworkName }): Message {
  const frames = createMessageDecoder(opts).push(frame);
  const first = frames[0];
  if (!first) throw new WireError('truncated', `incomplete frame: ${frame.length} bytes`);
  if (first.kind !== 'message') throw first.error;
  if (first.bytes !== frame.length) throw new WireError('trailing_bytes', `${frame.length - first.bytes} bytes after the first frame`);
  return first.message;
}

/** A decoder for a stream of frames: push bytes as they come, get whole messages (or errors) in order. */
export function createMessageDecoder(opts: { network: NetworkName }): { push(chunk: Uint8Array): Frame<Message>[]; readonly bufferedBytes: number } {
  return new BitcoinFrameDecoder(networkParams(opts.network).magic);
}
