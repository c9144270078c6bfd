// `filteradd` (BIP37, protocol.md 8.1): one element var_bytes of at most 520 bytes; larger is
// misbehaviour in Core, so it decodes as a 'too_many' WireError (marked misbehaving).
import type { FilterAddMessage } from '../message.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'filteradd';
export const MAX_SCRIPT_ELEMENT_SIZE = 520; // Core script/script.h, bytes
export const MAX_PAYLOAD = 3 + MAX_SCRIPT_ELEMENT_SIZE;

export function encode(w: ByteWriter, m: FilterAddMessage): void {
  if (m.data.length > MAX_SCRIPT_ELEMENT_SIZE) throw new WireError('too_many', `filteradd: ${m.data.length} bytes, limit ${MAX_SCRIPT_ELEMENT_SIZE}`);
  w.varBytes(m.data, MAX_SCRIPT_ELEMENT_SIZE, 'filteradd.data');
}

export function decode(payload: Uint8Array): FilterAddMessage {
  const r = new ByteReader(payload);
  const len = r.compactSize('filteradd.data');
  if (len > MAX_SCRIPT_ELEMENT_SIZE) throw new WireError('too_many', `filteradd: ${len} bytes, limit ${MAX_SCRIPT_ELEMENT_SIZE}`);
  const data = r.bytes(len, 'filteradd.data');
  r.end(COMMAND);
  return { command: COMMAND, data };
}
