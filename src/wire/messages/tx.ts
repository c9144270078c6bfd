// `tx`: one transaction, legacy or BIP144 (segwit) serialization (protocol.md 11). The codec is
// src/tx/tx.ts; the message keeps the parsed Tx with its raw bytes, so encoding sends them as is.
import type { TxMessage } from '../message.js';
import { decodeTx } from '../../tx/tx.js';
import type { ByteWriter } from '../../codec/writer.js';
import { MAX_BLOCK_SERIALIZED_SIZE } from '../../tx/block.js';

export const COMMAND = 'tx';
/** A transaction is at most a whole block: 4,000,000 bytes (= MAX_PROTOCOL_MESSAGE_LENGTH). */
export const MAX_PAYLOAD = MAX_BLOCK_SERIALIZED_SIZE;

export function encode(w: ByteWriter, m: TxMessage): void {
  w.bytes(m.tx.raw);
}

export function decode(payload: Uint8Array): TxMessage {
  return { command: COMMAND, tx: decodeTx(payload) };
}
