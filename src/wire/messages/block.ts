// `block`: a full block (header + transactions, witness form when asked with MSG_WITNESS_BLOCK).
// The codec is src/tx/block.ts; the message keeps the parsed Block with its raw bytes.
import type { BlockMessage } from '../message.js';
import { decodeBlock, MAX_BLOCK_SERIALIZED_SIZE } from '../../tx/block.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'block';
export const MAX_PAYLOAD = MAX_BLOCK_SERIALIZED_SIZE; // Core consensus.h, 4,000,000 bytes

export function encode(w: ByteWriter, m: BlockMessage): void {
  w.bytes(m.block.raw);
}

export function decode(payload: Uint8Array): BlockMessage {
  return { command: COMMAND, block: decodeBlock(payload) };
}
