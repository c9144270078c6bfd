// Names every byte of a frame: the 24-byte v1 header (magic, command, length, checksum) and the
// payload, field by field, by re-encoding the decoded message through a FieldRecorder. Decoding
// is strict (canonical CompactSize, no bytes left over), so the re-encoding is the payload; the
// one lenient case (bytes after `version`'s relay flag, ignored as Core does) and anything else
// that differs from the original bytes is shown as such rather than hidden.
import { bytesEqual, toHex } from '../../util/bytes.js';
import { NETWORKS } from '../../params/networks.js';
import { hasWitness, writeTx } from '../../tx/tx.js';
import type { Message } from '../message.js';
import { COMMAND_SIZE, HEADER_SIZE, MAGIC_SIZE, commandName, writePayload } from '../envelope.js';
import { messageChecksum } from '../checksum.js';
import { FieldRecorder, indexSpan, moveSpan, type FieldSpan } from './recorder.js';
import { bytesText } from './format.js';

export type { FieldSpan } from './recorder.js';

/** A frame or payload and the fields that cover it, in byte order. */
export interface AnnotatedBytes {
  readonly bytes: Uint8Array;
  readonly spans: readonly FieldSpan[];
}

/** The network whose message start these 4 bytes are, if any. */
export function networkOfMagic(magic: Uint8Array): string | undefined {
  for (const p of Object.values(NETWORKS)) if (bytesEqual(p.magic, magic)) return p.name;
  return undefined;
}

function recordPayload(m: Message): FieldRecorder {
  const rec = new FieldRecorder();
  switch (m.command) {
    case 'tx':
      writeTx(rec, m.tx, hasWitness(m.tx));
      break;
    case 'block':
      rec.bytes(m.block.header, 'block.header');
      rec.compactSize(m.block.txs.length, 'block.tx_count');
      for (const tx of m.block.txs) writeTx(rec, tx, hasWitness(tx));
      break;
    case 'unknown':
      rec.bytes(m.payload, `${m.name}.payload`);
      break;
    default:
      writePayload(rec, m);
  }
  return rec;
}

/** Lists repeat their labels: the k-th "inv.hash" becomes "inv.hash[k]". */
function indexRepeated(spans: readonly FieldSpan[]): FieldSpan[] {
  const total = new Map<string, number>();
  for (const s of spans) total.set(s.name, (total.get(s.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  return spans.map((s) => {
    if (total.get(s.name)! < 2) return s;
    const k = seen.get(s.name) ?? 0;
    seen.set(s.name, k + 1);
    return indexSpan(s, k);
  });
}

/**
 * The payload of `m` with its fields. With `original` (the bytes it was decoded from), the
 * result describes exactly those bytes: bytes the decoder ignored are a field of their own, and
 * a re-encoding that differs (never expected) falls back to one unnamed field.
 */
export function annotatePayload(m: Message, original?: Uint8Array): AnnotatedBytes {
  const rec = recordPayload(m);
  const encoded = rec.finish();
  const spans = indexRepeated(rec.spans);
  if (original === undefined || bytesEqual(encoded, original)) return { bytes: original ?? Uint8Array.from(encoded), spans };
  if (original.length > encoded.length && bytesEqual(original.subarray(0, encoded.length), encoded)) {
    const rest = original.subarray(encoded.length);
    return { bytes: original, spans: [...spans, { offset: encoded.length, length: rest.length, name: `${commandName(m)}.ignored`, value: `${bytesText(rest)} (read past, as Core does)` }] };
  }
  return { bytes: original, spans: [{ offset: 0, length: original.length, name: `${commandName(m)}.payload`, value: `(re-encoding differs from these bytes) ${bytesText(original)}` }] };
}

/** The 4 header fields of a v1 frame whose first 24 bytes are `frame` (payload may follow). */
export function headerSpans(frame: Uint8Array, payload?: Uint8Array): FieldSpan[] {
  const magic = frame.subarray(0, MAGIC_SIZE);
  const net = networkOfMagic(magic);
  let name = '';
  for (let i = 0; i < COMMAND_SIZE && frame[MAGIC_SIZE + i] !== 0; i++) name += String.fromCharCode(frame[MAGIC_SIZE + i]!);
  const view = new DataView(frame.buffer, frame.byteOffset, HEADER_SIZE);
  const length = view.getUint32(16, true);
  const sum = frame.subarray(20, 24);
  let sumNote = '';
  if (payload !== undefined) {
    const want = messageChecksum(payload);
    sumNote = bytesEqual(want, sum) ? ' (matches)' : ` (MISMATCH: payload hashes to ${toHex(want)})`;
  }
  return [
    { offset: 0, length: MAGIC_SIZE, name: 'magic', value: `${toHex(magic)} (${net ?? 'unknown network'})` },
    { offset: MAGIC_SIZE, length: COMMAND_SIZE, name: 'command', value: JSON.stringify(name) },
    { offset: 16, length: 4, name: 'length', value: `${length.toLocaleString('en-US')} bytes` },
    { offset: 20, length: 4, name: 'checksum', value: `${toHex(sum)}${sumNote}` },
  ];
}

/** A whole frame (header + payload of `m`): from the wire bytes when given, else re-encoded. */
export function annotateFrame(frame: Uint8Array, m: Message): AnnotatedBytes {
  const payload = frame.subarray(HEADER_SIZE);
  const body = annotatePayload(m, payload);
  return {
    bytes: frame,
    spans: [...headerSpans(frame, payload), ...body.spans.map((s) => moveSpan(s, HEADER_SIZE))],
  };
}

/** A capture record (Core -capturemessages: time µs, type, length, payload) with its fields. */
export function annotateCaptureRecord(timeUs: bigint, command: string, payload: Uint8Array, m: Message | undefined): AnnotatedBytes {
  const head = new Uint8Array(CAPTURE_HEADER);
  const view = new DataView(head.buffer);
  view.setBigUint64(0, timeUs, true);
  for (let i = 0; i < Math.min(command.length, COMMAND_SIZE); i++) head[8 + i] = command.charCodeAt(i);
  view.setUint32(20, payload.length, true);
  const body = m ? annotatePayload(m, payload) : { bytes: payload, spans: payload.length ? [{ offset: 0, length: payload.length, name: 'payload', value: bytesText(payload) }] : [] };
  const bytes = new Uint8Array(CAPTURE_HEADER + payload.length);
  bytes.set(head);
  bytes.set(payload, CAPTURE_HEADER);
  const iso = new Date(Number(timeUs / 1000n)).toISOString();
  return {
    bytes,
    spans: [
      { offset: 0, length: 8, name: 'time', value: `${timeUs} µs (${iso})` },
      { offset: 8, length: COMMAND_SIZE, name: 'msgtype', value: JSON.stringify(command) },
      { offset: 20, length: 4, name: 'length', value: `${payload.length.toLocaleString('en-US')} bytes` },
      ...body.spans.map((s) => moveSpan(s, CAPTURE_HEADER)),
    ],
  };
}

/** Core's capture record header: time 8 + type 12 + length 4. */
const CAPTURE_HEADER = 8 + COMMAND_SIZE + 4;
