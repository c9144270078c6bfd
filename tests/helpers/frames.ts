// Hand-built Bitcoin frames for hostile-peer tests, written independently of src/wire so a
// bug there cannot hide itself: magic, 12-byte command, length, checksum, payload.
import { sha256 } from '@noble/hashes/sha2.js';

export interface FrameOptions {
  /** Override the length field (lying lengths). */
  length?: number;
  /** Override the checksum (bad checksums). */
  checksum?: Uint8Array;
  /** Raw 12-byte command field. */
  commandField?: Uint8Array;
}

export function frame(magic: Uint8Array, command: string, payload: Uint8Array = new Uint8Array(0), opts: FrameOptions = {}): Buffer {
  const header = Buffer.alloc(24);
  Buffer.from(magic).copy(header, 0);
  if (opts.commandField) Buffer.from(opts.commandField).copy(header, 4);
  else header.write(command, 4, 'ascii');
  header.writeUInt32LE(opts.length ?? payload.length, 16);
  const sum = opts.checksum ?? sha256(sha256(payload)).subarray(0, 4);
  Buffer.from(sum).copy(header, 20);
  return Buffer.concat([header, Buffer.from(payload)]);
}

export function u64le(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}

/** A 70016 version payload (protocol.md 3.1), built by hand. */
export function versionPayload(opts: { version?: number; nonce?: bigint; userAgent?: string; startHeight?: number; relay?: boolean } = {}): Buffer {
  const ua = Buffer.from(opts.userAgent ?? '/hostile:0.1/', 'ascii');
  const b = Buffer.alloc(4 + 8 + 8 + 26 + 26 + 8 + 1 + ua.length + 4 + 1);
  let o = 0;
  o = b.writeInt32LE(opts.version ?? 70016, o);
  o = b.writeBigUInt64LE(0n, o);
  o = b.writeBigInt64LE(BigInt(Math.floor(Date.now() / 1000)), o);
  // addr_recv and addr_from: services 0, ::ffff:127.0.0.1, port 0
  for (let i = 0; i < 2; i++) {
    o += 8 + 10;
    b[o++] = 0xff;
    b[o++] = 0xff;
    b[o++] = 127;
    b[o++] = 0;
    b[o++] = 0;
    b[o++] = 1;
    o += 2;
  }
  o = b.writeBigUInt64LE(opts.nonce ?? 0x1234567890abcdefn, o);
  b[o++] = ua.length;
  o += ua.copy(b, o);
  o = b.writeInt32LE(opts.startHeight ?? 0, o);
  b[o++] = opts.relay ? 1 : 0;
  return b;
}
