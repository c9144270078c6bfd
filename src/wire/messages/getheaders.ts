// `getheaders` (protocol.md 5.1): uint32 version (ignored by Core), CompactSize count, block
// locator hashes, 32-byte hash_stop (all zero = as many as possible). Core disconnects a peer
// sending more than MAX_LOCATOR_SZ hashes, so decode rejects them and encode refuses them.
import type { GetHeadersMessage } from '../message.js';
import { WireError } from '../errors.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'getheaders';
export const MAX_LOCATOR_SZ = 101; // Core net_processing.cpp
export const MAX_PAYLOAD = 4 + 1 + MAX_LOCATOR_SZ * 32 + 32;

export function encode(w: ByteWriter, m: GetHeadersMessage): void {
  if (m.locator.length > MAX_LOCATOR_SZ) {
    throw new WireError('too_many', `getheaders: ${m.locator.length} locator hashes, limit ${MAX_LOCATOR_SZ}`);
  }
  w.u32le(m.version, 'getheaders.version').compactSize(m.locator.length, 'getheaders.count');
  for (const h of m.locator) w.fixedBytes(h, 32, 'getheaders.locator');
  w.fixedBytes(m.hashStop, 32, 'getheaders.hash_stop');
}

export function decode(payload: Uint8Array): GetHeadersMessage {
  const r = new ByteReader(payload);
  const version = r.u32le('getheaders.version');
  const n = r.count(MAX_LOCATOR_SZ, 32, 'getheaders.count');
  const locator = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) locator[i] = r.hash32('getheaders.locator');
  const hashStop = r.hash32('getheaders.hash_stop');
  r.end(COMMAND);
  return { command: COMMAND, version, locator, hashStop };
}
