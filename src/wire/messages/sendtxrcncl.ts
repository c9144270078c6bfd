// `sendtxrcncl` (BIP330, Erlay): uint32 LE version + uint64 LE salt, sent between version and
// verack by a peer that supports transaction reconciliation (Core sends it in the handshake to
// peers that relay transactions; Core net_processing.cpp reads `version >> salt`). We do not
// reconcile; we decode it so traces and captures show it (message-capture-parser's MESSAGEMAP
// has it too).
import type { SendTxRcnclMessage } from '../message.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'sendtxrcncl';
export const MAX_PAYLOAD = 12;

export function encode(w: ByteWriter, message: SendTxRcnclMessage): void {
  w.u32le(message.version, 'sendtxrcncl.version').u64le(message.salt, 'sendtxrcncl.salt');
}

export function decode(payload: Uint8Array): SendTxRcnclMessage {
  const r = new ByteReader(payload);
  const version = r.u32le('sendtxrcncl.version');
  const salt = r.u64le('sendtxrcncl.salt');
  r.end(COMMAND);
  return { command: COMMAND, version, salt };
}
