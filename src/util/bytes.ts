// Byte helpers shared by every codec: hex conversion, comparison and concatenation.
// Hashes are kept in wire order; `reverseHex` converts to/from display order.

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError(`invalid hex string (${hex.length} chars)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Display-order hex (as explorers print block hashes) of a wire-order hash, and back. */
export function hashToDisplay(wire: Uint8Array): string {
  return toHex(Uint8Array.from(wire).reverse());
}
export function hashFromDisplay(display: string): Uint8Array {
  const b = fromHex(display);
  if (b.length !== 32) throw new TypeError(`hash must be 32 bytes, got ${b.length}`);
  return b.reverse();
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
