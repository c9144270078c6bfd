// `spv decode`: a byte string holding one or more v1 frames (or one bare payload) taken apart
// with every error pointing at its byte: the same checks as the frame decoder, in the same
// order (magic, length cap, command, per-command cap, checksum, payload), but reported with
// offsets instead of acted upon. Pure: bytes in, a list of frames out.
import { toHex } from '../../util/bytes.js';
import { WireError } from '../errors.js';
import type { Message } from '../message.js';
import { COMMAND_SIZE, HEADER_SIZE, MAGIC_SIZE, MAX_PROTOCOL_MESSAGE_LENGTH, decodePayload, maxPayloadFor, parseCommandField } from '../envelope.js';
import { messageChecksum } from '../checksum.js';
import { annotateFrame, annotatePayload, headerSpans, networkOfMagic, type AnnotatedBytes } from './layout.js';

export interface DecodeProblem {
  /** Absolute offset of the offending byte in the input. */
  readonly offset: number;
  readonly code: string;
  readonly text: string;
}

export interface DecodedFrame {
  /** Where the frame (or payload) starts in the input, and its size as far as it goes. */
  readonly offset: number;
  readonly length: number;
  readonly command?: string;
  readonly message?: Message;
  /** The named bytes (offsets relative to `offset`); header only when the payload is bad. */
  readonly annotated?: AnnotatedBytes;
  readonly problem?: DecodeProblem;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** A payload decode error as a pointed message ("CompactSize not canonical at offset 85"). */
function payloadProblem(err: unknown, name: string, payload: Uint8Array, payloadStart: number): DecodeProblem {
  if (!(err instanceof WireError)) return { offset: payloadStart, code: 'internal', text: `${name}: ${err instanceof Error ? err.message : String(err)}` };
  const at = payloadStart + (err.offset ?? 0);
  const where = err.offset === undefined ? `in the payload at offset ${payloadStart}` : `at offset ${at}`;
  switch (err.code) {
    case 'non_canonical':
      return { offset: at, code: err.code, text: `CompactSize not canonical ${where} (${err.message})` };
    case 'trailing_bytes':
      return { offset: at, code: err.code, text: `trailing ${n(payload.length - (err.offset ?? payload.length))} bytes after \`${name}\` ${where}` };
    case 'truncated':
      return { offset: at, code: err.code, text: `payload of \`${name}\` ends too soon ${where} (${err.message})` };
    default:
      return { offset: at, code: err.code, text: `${err.message} ${where}` };
  }
}

/** One bare payload of command `name` (`spv decode --command NAME`). */
export function decodeBarePayload(name: string, payload: Uint8Array): DecodedFrame {
  const cap = maxPayloadFor(name);
  try {
    // Decoded past the cap so the error names the field that overflows ("trailing 3 bytes after `ping`").
    const message = decodePayload(name, payload, false);
    if (payload.length > cap) return { offset: 0, length: payload.length, command: name, problem: { offset: cap, code: 'oversized', text: `\`${name}\` payload of ${n(payload.length)} bytes exceeds its limit of ${n(cap)}` } };
    return { offset: 0, length: payload.length, command: name, message, annotated: annotatePayload(message, payload) };
  } catch (err) {
    return { offset: 0, length: payload.length, command: name, problem: payloadProblem(err, name, payload, 0) };
  }
}

/**
 * Every frame in `bytes`, expecting `magic` (`network` names it in errors). Stops at a problem
 * the stream cannot recover from (wrong magic, length over the cap, a frame cut short); goes on
 * after one it can (bad command, checksum, payload), as a peer connection would.
 */
export function decodeFrames(bytes: Uint8Array, magic: Uint8Array, network: string): DecodedFrame[] {
  const out: DecodedFrame[] = [];
  let off = 0;
  while (off < bytes.length) {
    const left = bytes.length - off;
    if (left < HEADER_SIZE) {
      out.push({ offset: off, length: left, problem: { offset: off, code: 'truncated', text: `truncated header at offset ${off}: ${left} of ${HEADER_SIZE} bytes` } });
      break;
    }
    const head = bytes.subarray(off, off + HEADER_SIZE);
    const got = head.subarray(0, MAGIC_SIZE);
    if (toHex(got) !== toHex(magic)) {
      const other = networkOfMagic(got);
      const text = other
        ? `magic ${toHex(got)} at offset ${off} is ${other}'s, not ${network}'s (${toHex(magic)})`
        : `bad magic ${toHex(got)} at offset ${off}: not ${network}'s ${toHex(magic)} nor any known network's`;
      out.push({ offset: off, length: left, problem: { offset: off, code: 'bad_magic', text } });
      break;
    }
    const view = new DataView(head.buffer, head.byteOffset, HEADER_SIZE);
    const length = view.getUint32(16, true);
    if (length > MAX_PROTOCOL_MESSAGE_LENGTH) {
      out.push({
        offset: off,
        length: left,
        problem: { offset: off + 16, code: 'oversized', text: `length field 0x${length.toString(16).padStart(8, '0')} (${n(length)}) at offset ${off + 16} exceeds ${n(MAX_PROTOCOL_MESSAGE_LENGTH)}` },
      });
      break;
    }
    if (left - HEADER_SIZE < length) {
      out.push({
        offset: off,
        length: left,
        annotated: { bytes: bytes.subarray(off, off + HEADER_SIZE), spans: headerSpans(head) },
        problem: { offset: off + HEADER_SIZE, code: 'truncated', text: `frame at offset ${off} announces ${n(length)} payload bytes, only ${n(left - HEADER_SIZE)} follow` },
      });
      break;
    }
    const frame = bytes.subarray(off, off + HEADER_SIZE + length);
    const payload = frame.subarray(HEADER_SIZE);
    const payloadStart = off + HEADER_SIZE;
    const headerOnly = (): AnnotatedBytes => ({ bytes: frame, spans: headerSpans(head, payload) });
    const name = parseCommandField(head, MAGIC_SIZE);
    const problemFrame = (p: DecodeProblem, command?: string): void => void out.push({ offset: off, length: frame.length, command, annotated: headerOnly(), problem: p });
    if (typeof name !== 'string') {
      const i = /byte (\d+)/.exec(name.message);
      problemFrame({ offset: off + MAGIC_SIZE + (i ? Number(i[1]) : 0), code: name.code, text: `bad command field at offset ${off + MAGIC_SIZE}..${off + MAGIC_SIZE + COMMAND_SIZE - 1}: ${name.message}` });
    } else {
      const want = messageChecksum(payload);
      const sum = head.subarray(20, 24);
      if (toHex(want) !== toHex(sum)) {
        problemFrame({ offset: off + 20, code: 'bad_checksum', text: `checksum mismatch at offset ${off + 20}: header says ${toHex(sum)}, payload hashes to ${toHex(want)}` }, name);
      } else {
        try {
          // Decoded past the per-command cap first, so the error names the field that overflows.
          const message = decodePayload(name, payload, false);
          if (length > maxPayloadFor(name)) throw new WireError('oversized', `\`${name}\` length ${n(length)} exceeds its limit of ${n(maxPayloadFor(name))}`, maxPayloadFor(name));
          out.push({ offset: off, length: frame.length, command: name, message, annotated: annotateFrame(frame, message) });
        } catch (err) {
          problemFrame(payloadProblem(err, name, payload, payloadStart), name);
        }
      }
    }
    off += frame.length;
  }
  return out;
}
