// The v1 message envelope (protocol.md 1; Core protocol.h CMessageHeader): 4-byte magic,
// 12-byte NUL-padded command, uint32 LE payload length, 4-byte checksum = SHA256d(payload)[0..4).
// Also the one fixed table from command names to our message files: a Map, so a name from the
// wire ('constructor', '__proto__', ...) can never reach an object's prototype.
import type { Message } from './message.js';
import { WireError } from './errors.js';
import { messageChecksum } from './checksum.js';
import { ByteWriter } from '../codec/writer.js';
import * as addr from './messages/addr.js';
import * as addrv2 from './messages/addrv2.js';
import * as feefilter from './messages/feefilter.js';
import * as getaddr from './messages/getaddr.js';
import * as getdata from './messages/getdata.js';
import * as getheaders from './messages/getheaders.js';
import * as headers from './messages/headers.js';
import * as inv from './messages/inv.js';
import * as notfound from './messages/notfound.js';
import * as ping from './messages/ping.js';
import * as pong from './messages/pong.js';
import * as reject from './messages/reject.js';
import * as sendaddrv2 from './messages/sendaddrv2.js';
import * as sendcmpct from './messages/sendcmpct.js';
import * as sendheaders from './messages/sendheaders.js';
import * as sendtxrcncl from './messages/sendtxrcncl.js';
import * as verack from './messages/verack.js';
import * as version from './messages/version.js';
import * as wtxidrelay from './messages/wtxidrelay.js';
import * as block from './messages/block.js';
import * as cfcheckpt from './messages/cfcheckpt.js';
import * as cfheaders from './messages/cfheaders.js';
import * as cfilter from './messages/cfilter.js';
import * as filteradd from './messages/filteradd.js';
import * as filterclear from './messages/filterclear.js';
import * as filterload from './messages/filterload.js';
import * as getcfcheckpt from './messages/getcfcheckpt.js';
import * as getcfheaders from './messages/getcfheaders.js';
import * as getcfilters from './messages/getcfilters.js';
import * as mempool from './messages/mempool.js';
import * as merkleblock from './messages/merkleblock.js';
import * as tx from './messages/tx.js';

export const HEADER_SIZE = 24;
export const COMMAND_SIZE = 12; // Core protocol.h MESSAGE_TYPE_SIZE
export const MAX_PROTOCOL_MESSAGE_LENGTH = 4_000_000; // Core net.h, bytes of payload
export const MAGIC_SIZE = 4;

interface PayloadCodec {
  readonly COMMAND: string;
  readonly MAX_PAYLOAD: number;
  decode(payload: Uint8Array): Message;
}

const CODECS: readonly PayloadCodec[] = [
  version, verack, ping, pong, wtxidrelay, sendaddrv2, sendheaders, sendcmpct, sendtxrcncl, feefilter,
  getaddr, addr, addrv2, inv, getdata, notfound, getheaders, headers, reject,
  tx, block, merkleblock, filterload, filteradd, filterclear, mempool,
  getcfilters, cfilter, getcfheaders, cfheaders, getcfcheckpt, cfcheckpt,
];

const BY_COMMAND: ReadonlyMap<string, PayloadCodec> = new Map(CODECS.map((c) => [c.COMMAND, c]));

/** True when we have a decoder for this wire command name. */
export function isKnownCommand(name: string): boolean {
  return BY_COMMAND.has(name);
}

/** Largest payload we accept for a command: its own cap, or the frame cap for unknown ones. */
export function maxPayloadFor(name: string): number {
  return BY_COMMAND.get(name)?.MAX_PAYLOAD ?? MAX_PROTOCOL_MESSAGE_LENGTH;
}

/**
 * Decodes one payload by command name. Unknown names give `{ command: 'unknown' }` (a value,
 * not an error); a malformed payload throws WireError. Byte fields are views of `payload`.
 * `checkCap` false skips the per-command size cap (`spv decode` names the field that overflows).
 */
export function decodePayload(name: string, payload: Uint8Array, checkCap = true): Message {
  const codec = BY_COMMAND.get(name);
  if (codec === undefined) return { command: 'unknown', name, payload };
  if (checkCap && payload.length > codec.MAX_PAYLOAD) {
    throw new WireError('oversized', `${name}: payload of ${payload.length} bytes, limit ${codec.MAX_PAYLOAD}`);
  }
  return codec.decode(payload);
}

/**
 * The command field's name, or a WireError('bad_command') explaining why it is invalid (Core
 * IsMessageTypeValid: printable 0x20-0x7E up to the first NUL, only NULs after it).
 */
export function parseCommandField(field: Uint8Array, offset = 0): string | WireError {
  let name = '';
  let i = 0;
  for (; i < COMMAND_SIZE; i++) {
    const c = field[offset + i]!;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return new WireError('bad_command', `command byte ${i} is 0x${c.toString(16).padStart(2, '0')}, not printable ASCII`);
    name += String.fromCharCode(c);
  }
  for (; i < COMMAND_SIZE; i++) {
    if (field[offset + i] !== 0) return new WireError('bad_command', `command ${JSON.stringify(name)} has non-NUL byte ${i} after its NUL padding`);
  }
  return name;
}

function checkCommandName(name: string): void {
  if (name.length > COMMAND_SIZE || !/^[\x20-\x7e]*$/.test(name)) {
    throw new WireError('bad_command', `cannot send command ${JSON.stringify(name)}: up to ${COMMAND_SIZE} printable ASCII characters`);
  }
}

/** The name a message travels under ('unknown' messages keep their own name). */
export function commandName(m: Message): string {
  return m.command === 'unknown' ? m.name : m.command;
}

/** Short text for logs: the command, marked when we do not know it. */
export function describeMessage(m: Message): string {
  return m.command === 'unknown' ? `${m.name} (unknown)` : m.command;
}

function assertNever(m: never): never {
  throw new WireError('bad_value', `cannot encode message ${JSON.stringify((m as { command?: unknown }).command)}`);
}

/** Writes the payload of `m` and returns its command name (wire/describe passes a recording writer). */
export function writePayload(w: ByteWriter, m: Message): string {
  switch (m.command) {
    case 'version': version.encode(w, m); break;
    case 'verack': verack.encode(w, m); break;
    case 'ping': ping.encode(w, m); break;
    case 'pong': pong.encode(w, m); break;
    case 'wtxidrelay': wtxidrelay.encode(w, m); break;
    case 'sendaddrv2': sendaddrv2.encode(w, m); break;
    case 'sendheaders': sendheaders.encode(w, m); break;
    case 'sendcmpct': sendcmpct.encode(w, m); break;
    case 'sendtxrcncl': sendtxrcncl.encode(w, m); break;
    case 'feefilter': feefilter.encode(w, m); break;
    case 'getaddr': getaddr.encode(w, m); break;
    case 'addr': addr.encode(w, m); break;
    case 'addrv2': addrv2.encode(w, m); break;
    case 'inv': inv.encode(w, m); break;
    case 'getdata': getdata.encode(w, m); break;
    case 'notfound': notfound.encode(w, m); break;
    case 'getheaders': getheaders.encode(w, m); break;
    case 'headers': headers.encode(w, m); break;
    case 'reject': reject.encode(w, m); break;
    case 'tx': tx.encode(w, m); break;
    case 'block': block.encode(w, m); break;
    case 'merkleblock': merkleblock.encode(w, m); break;
    case 'filterload': filterload.encode(w, m); break;
    case 'filteradd': filteradd.encode(w, m); break;
    case 'filterclear': filterclear.encode(w, m); break;
    case 'mempool': mempool.encode(w, m); break;
    case 'getcfilters': getcfilters.encode(w, m); break;
    case 'cfilter': cfilter.encode(w, m); break;
    case 'getcfheaders': getcfheaders.encode(w, m); break;
    case 'cfheaders': cfheaders.encode(w, m); break;
    case 'getcfcheckpt': getcfcheckpt.encode(w, m); break;
    case 'cfcheckpt': cfcheckpt.encode(w, m); break;
    case 'unknown':
      checkCommandName(m.name);
      w.bytes(m.payload);
      return m.name;
    default:
      return assertNever(m);
  }
  return m.command;
}

/** The payload bytes of `m` alone (no envelope). */
export function encodePayload(m: Message): Uint8Array {
  const w = new ByteWriter();
  writePayload(w, m);
  return w.finish();
}

/** A complete wire message: 24-byte header + payload. Throws WireError for unencodable input. */
export function encodeMessage(magic: Uint8Array, m: Message): Uint8Array {
  if (magic.length !== MAGIC_SIZE) throw new WireError('bad_value', `magic must be ${MAGIC_SIZE} bytes, got ${magic.length}`);
  const w = new ByteWriter(HEADER_SIZE + 128);
  w.zeros(HEADER_SIZE); // filled in below, once the payload (and so its length) is known
  const name = writePayload(w, m);
  const out = w.finish();
  const payload = out.subarray(HEADER_SIZE);
  const cap = m.command === 'unknown' ? MAX_PROTOCOL_MESSAGE_LENGTH : maxPayloadFor(name);
  if (payload.length > cap) throw new WireError('oversized', `${name}: payload of ${payload.length} bytes, limit ${cap}`);
  out.set(magic, 0);
  for (let i = 0; i < name.length; i++) out[MAGIC_SIZE + i] = name.charCodeAt(i);
  new DataView(out.buffer, out.byteOffset, HEADER_SIZE).setUint32(16, payload.length, true);
  out.set(messageChecksum(payload), 20);
  return out;
}
