// `reject` (BIP61, deprecated; removed from Core in v0.20): decoded leniently for logging only:
// message var_str, code uint8 (any value), reason var_str, then whatever bytes remain as `data`
// (normally 0 or a 32-byte hash). Never act on it. `encode` exists for tests and fake peers.
import type { RejectMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'reject';
/** Lenient caps for the two strings (Core's own were 12 and 111 bytes). */
export const MAX_REJECT_STRING = 256;
export const MAX_PAYLOAD = 2 * (3 + MAX_REJECT_STRING) + 1 + 32;

export function encode(w: ByteWriter, m: RejectMessage): void {
  w.varStr(m.message, MAX_REJECT_STRING, 'reject.message')
    .u8(m.code, 'reject.code')
    .varStr(m.reason, MAX_REJECT_STRING, 'reject.reason')
    .bytes(m.data, 'reject.data');
}

export function decode(payload: Uint8Array): RejectMessage {
  const r = new ByteReader(payload);
  const message = r.varStr(MAX_REJECT_STRING, 'reject.message');
  const code = r.u8('reject.code');
  const reason = r.varStr(MAX_REJECT_STRING, 'reject.reason');
  const data = r.rest(); // BIP61: optional extra data (a hash); no trailing-bytes check
  return { command: COMMAND, message, code, reason, data };
}
