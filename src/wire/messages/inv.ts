// `inv`: announces transactions/blocks the sender has.
// Payload is the inventory list of inventory.ts (at most MAX_INV_SZ = 50,000 items).
import type { InvMessage } from '../message.js';
import { MAX_INV_PAYLOAD, readInventory, writeInventory } from '../inventory.js';
import { ByteReader } from '../../codec/reader.js';
import type { ByteWriter } from '../../codec/writer.js';

export const COMMAND = 'inv';
export const MAX_PAYLOAD = MAX_INV_PAYLOAD;

export function encode(w: ByteWriter, m: InvMessage): void {
  writeInventory(w, m.items, COMMAND);
}

export function decode(payload: Uint8Array): InvMessage {
  const r = new ByteReader(payload);
  const items = readInventory(r, COMMAND);
  r.end(COMMAND);
  return { command: COMMAND, items };
}
