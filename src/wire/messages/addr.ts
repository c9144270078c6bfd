// `addr`: CompactSize count + count x net_addr with time (30 bytes), at most MAX_ADDR_TO_SEND
// entries (protocol.md 7). Only IPv4/IPv6 fit; BIP155 addrv2 carries the other networks.
import type { AddrMessage } from '../message.js';
import { WireError } from '../errors.js';
import { TIMED_NET_ADDRESS_SIZE, readTimedNetAddress, writeTimedNetAddress } from '../net-address.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'addr';
export const MAX_ADDR_TO_SEND = 1000; // Core net_processing.cpp
export const MAX_PAYLOAD = 3 + MAX_ADDR_TO_SEND * TIMED_NET_ADDRESS_SIZE;

export function encode(w: ByteWriter, m: AddrMessage): void {
  if (m.addresses.length > MAX_ADDR_TO_SEND) {
    throw new WireError('too_many', `addr: ${m.addresses.length} addresses, limit ${MAX_ADDR_TO_SEND}`);
  }
  w.compactSize(m.addresses.length, 'addr.count');
  for (const a of m.addresses) writeTimedNetAddress(w, a, 'addr.address');
}

export function decode(payload: Uint8Array): AddrMessage {
  const r = new ByteReader(payload);
  const n = r.count(MAX_ADDR_TO_SEND, TIMED_NET_ADDRESS_SIZE, 'addr.count');
  const addresses = new Array<AddrMessage['addresses'][number]>(n);
  for (let i = 0; i < n; i++) addresses[i] = readTimedNetAddress(r, 'addr.address');
  r.end(COMMAND);
  return { command: COMMAND, addresses };
}
