// Bitcoin Core's `-capturemessages` record format (Core net.cpp CaptureMessageToFile, v22+;
// shared/reference/capture.md): no file header, one record per message: time in microseconds
// since the Unix epoch (uint64 LE), the message type NUL-padded to 12 bytes, payload length
// (uint32 LE), the payload (no magic, no checksum, no v1/v2 framing). Pure: bytes in, bytes out.
import { WireError } from './errors.js';
import { COMMAND_SIZE } from './envelope.js';

export const CAPTURE_RECORD_HEADER_SIZE = 8 + COMMAND_SIZE + 4;
/** Core's file names; its parser takes the direction from whether the name contains "recv". */
export const CAPTURE_RECV_FILE = 'msgs_recv.dat';
export const CAPTURE_SENT_FILE = 'msgs_sent.dat';

export interface CaptureRecord {
  /** Microseconds since the Unix epoch. */
  readonly timeUs: bigint;
  /** Message type; "UNREADABLE" (as Core's parser says) when not printable ASCII. */
  readonly command: string;
  readonly payload: Uint8Array;
  /** Where the record starts in its file. */
  readonly offset: number;
}

/** One record: 24-byte header + payload. */
export function encodeCaptureRecord(timeUs: bigint, command: string, payload: Uint8Array): Uint8Array {
  if (command.length > COMMAND_SIZE || !/^[\x20-\x7e]*$/.test(command)) throw new WireError('bad_command', `capture: bad message type ${JSON.stringify(command)}`);
  const out = new Uint8Array(CAPTURE_RECORD_HEADER_SIZE + payload.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, timeUs, true);
  for (let i = 0; i < command.length; i++) out[8 + i] = command.charCodeAt(i);
  view.setUint32(8 + COMMAND_SIZE, payload.length, true);
  out.set(payload, CAPTURE_RECORD_HEADER_SIZE);
  return out;
}

export interface ParsedCapture {
  readonly records: CaptureRecord[];
  /** Bytes after the last whole record (a torn write), 0 when the file ends cleanly. */
  readonly tornBytes: number;
  /** Length of the whole records (where a writer should truncate a torn tail to). */
  readonly validLength: number;
}

function messageType(field: Uint8Array): string {
  let s = '';
  for (const c of field) {
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return 'UNREADABLE';
    s += String.fromCharCode(c);
  }
  return s;
}

/** Reads a capture file; a record cut short at the end is reported, not thrown. Payloads are views. */
export function parseCaptureFile(bytes: Uint8Array): ParsedCapture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: CaptureRecord[] = [];
  let off = 0;
  while (bytes.length - off >= CAPTURE_RECORD_HEADER_SIZE) {
    const length = view.getUint32(off + 8 + COMMAND_SIZE, true);
    const end = off + CAPTURE_RECORD_HEADER_SIZE + length;
    if (end > bytes.length) break;
    records.push({
      timeUs: view.getBigUint64(off, true),
      command: messageType(bytes.subarray(off + 8, off + 8 + COMMAND_SIZE)),
      payload: bytes.subarray(off + CAPTURE_RECORD_HEADER_SIZE, end),
      offset: off,
    });
    off = end;
  }
  return { records, tornBytes: bytes.length - off, validLength: off };
}

/**
 * Core's per-peer folder name: the address as CService::ToStringAddrPort() ("1.2.3.4:8333",
 * "[2001:db8::1]:8333") with every ':' replaced by '_' (Windows folder names cannot hold ':').
 */
export function captureDirName(host: string, port: number): string {
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return addr.replaceAll(':', '_');
}
