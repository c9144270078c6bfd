// `headers` (protocol.md 5.2): CompactSize count + count x (80-byte header + CompactSize tx
// count). Like Core (ProcessMessage HEADERS) the tx count is read and ignored, so it may be any
// canonical CompactSize; we always send 0. Headers are views of the message's own payload.
import type { HeadersMessage } from '../message.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'headers';
export const MAX_HEADERS_RESULTS = 2000; // Core net_processing.h
export const HEADER_SIZE = 80;
/** Count (3 bytes) + 2000 x (80 + a tx count of up to 9 bytes, as Core would accept). */
export const MAX_PAYLOAD = 3 + MAX_HEADERS_RESULTS * (HEADER_SIZE + 9);

export function encode(w: ByteWriter, m: HeadersMessage): void {
  if (m.headers.length > MAX_HEADERS_RESULTS) {
    throw new WireError('too_many', `headers: ${m.headers.length} headers, limit ${MAX_HEADERS_RESULTS}`);
  }
  w.compactSize(m.headers.length, 'headers.count');
  for (const h of m.headers) w.fixedBytes(h, HEADER_SIZE, 'headers.header').u8(0, 'headers.tx_count');
}

export function decode(payload: Uint8Array): HeadersMessage {
  const r = new ByteReader(payload);
  const n = r.count(MAX_HEADERS_RESULTS, HEADER_SIZE + 1, 'headers.count');
  const headers = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    headers[i] = r.bytes(HEADER_SIZE, 'headers.header');
    r.compactSize('headers.tx_count'); // always 0 in practice; Core ignores the value
  }
  r.end(COMMAND);
  return { command: COMMAND, headers };
}
