// The inventory list shared by inv, getdata and notfound: CompactSize count + count x
// (type uint32 LE, 32-byte hash in wire order), at most MAX_INV_SZ items (protocol.md 6).
import type { InvItem } from './message.js';
import { WireError } from './errors.js';
import type { ByteReader } from '../codec/reader.js';
import type { ByteWriter } from '../codec/writer.js';

export const MAX_INV_SZ = 50_000; // Bitcoin Core net_processing.cpp
export const INV_ITEM_SIZE = 36;
/** Largest inventory payload: 3-byte CompactSize for 50,000 + 50,000 x 36 bytes = 1,800,003. */
export const MAX_INV_PAYLOAD = 3 + MAX_INV_SZ * INV_ITEM_SIZE;

/** Core protocol.h GetDataMsg. */
export const InvType = {
  ERROR: 0,
  TX: 1,
  BLOCK: 2,
  FILTERED_BLOCK: 3, // BIP37
  CMPCT_BLOCK: 4, // BIP152
  WTX: 5, // BIP339
  WITNESS_TX: 0x40000001, // BIP144
  WITNESS_BLOCK: 0x40000002, // BIP144
  FILTERED_WITNESS_BLOCK: 0x40000003, // BIP144, unused
} as const;

export const MSG_WITNESS_FLAG = 1 << 30;

export function readInventory(r: ByteReader, what: string): InvItem[] {
  const n = r.count(MAX_INV_SZ, INV_ITEM_SIZE, `${what}.count`);
  const typeLabel = `${what}.type`; // built once: this loop runs up to 50,000 times
  const hashLabel = `${what}.hash`;
  const items = new Array<InvItem>(n);
  for (let i = 0; i < n; i++) {
    const type = r.u32le(typeLabel);
    items[i] = { type, hash: r.hash32(hashLabel) };
  }
  return items;
}

export function writeInventory(w: ByteWriter, items: readonly InvItem[], what: string): void {
  if (items.length > MAX_INV_SZ) throw new WireError('too_many', `${what}: ${items.length} items, limit ${MAX_INV_SZ}`);
  w.compactSize(items.length, `${what}.count`);
  const typeLabel = `${what}.type`;
  const hashLabel = `${what}.hash`;
  for (const it of items) w.u32le(it.type, typeLabel).fixedBytes(it.hash, 32, hashLabel);
}
