// Application packet contents (BIP324 "v2 Bitcoin P2P message encoding"): a one-byte short ID
// and the payload, or 0x00 ‖ 12-byte NUL-padded type ‖ payload. No checksum and no length of
// its own: the packet carries both. Payloads are the same bytes as in v1 (wire/ codecs).
import type { Frame } from '../../net/codec.js';
import { WireError } from '../../wire/errors.js';
import { COMMAND_SIZE, commandName, decodePayload, encodePayload, maxPayloadFor, parseCommandField } from '../../wire/envelope.js';
import { LIST_COMMANDS } from '../../wire/frame-decoder.js';
import type { Message } from '../../wire/message.js';
import { shortIdFor, typeForShortId } from './short-ids.js';

/** Long-form type field: marker byte 0 then 12 bytes. */
const LONG_PREFIX_LEN = 1 + COMMAND_SIZE;

/** The contents of `m` as [type prefix, payload] (Core SetMessageToSend: short ID when one
 * exists, else the long form). */
export function encodeContents(m: Message): [Uint8Array, Uint8Array] {
  const payload = encodePayload(m);
  const name = commandName(m);
  const cap = m.command === 'unknown' ? Number.MAX_SAFE_INTEGER : maxPayloadFor(name);
  if (payload.length > cap) throw new WireError('oversized', `${name}: payload of ${payload.length} bytes, limit ${cap}`);
  const id = shortIdFor(name);
  if (id !== undefined) return [new Uint8Array([id]), payload];
  const prefix = new Uint8Array(LONG_PREFIX_LEN);
  for (let i = 0; i < name.length; i++) prefix[1 + i] = name.charCodeAt(i);
  return [prefix, payload];
}

/** Decrypted contents → one frame. Like v1's per-message rules: a malformed type or payload
 * skips that message (Core sets reject_message and keeps the connection). `bytes` is the size
 * on the wire, for the stats. */
export function decodeContents(contents: Uint8Array, bytes: number): Frame<Message> {
  if (contents.length === 0) return { kind: 'invalid', error: new WireError('truncated', 'v2 packet with empty contents (no message type)'), bytes };
  const id = contents[0]!;
  let name: string;
  let payload: Uint8Array;
  if (id === 0) {
    if (contents.length < LONG_PREFIX_LEN) return { kind: 'invalid', error: new WireError('truncated', `v2 long-form type of ${contents.length - 1} bytes, need ${COMMAND_SIZE}`), bytes };
    const parsed = parseCommandField(contents, 1);
    if (typeof parsed !== 'string') return { kind: 'invalid', error: parsed, bytes };
    name = parsed;
    payload = contents.subarray(LONG_PREFIX_LEN);
  } else {
    const known = typeForShortId(id);
    // An ID outside the table: Core drops the message and keeps the peer; an unknown message
    // is exactly that here (logged and skipped).
    if (known === undefined) return { kind: 'message', message: { command: 'unknown', name: `shortid:${id}`, payload: contents.subarray(1) }, bytes };
    name = known;
    payload = contents.subarray(1);
  }
  const cap = maxPayloadFor(name);
  if (payload.length > cap) {
    return { kind: 'invalid', error: new WireError('oversized', `${name}: payload length ${payload.length} above its limit ${cap}`), bytes, misbehaving: LIST_COMMANDS.has(name) };
  }
  try {
    return { kind: 'message', message: decodePayload(name, payload), bytes };
  } catch (err) {
    const error = err instanceof WireError ? err : new WireError('internal', `${name}: ${err instanceof Error ? err.message : String(err)}`);
    return { kind: 'invalid', error, bytes, misbehaving: error.code === 'too_many' };
  }
}
