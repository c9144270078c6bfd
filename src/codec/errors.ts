// Errors of the byte codec (and so of the wire layer, which re-exports them): bytes from a peer
// that are not a well-formed Bitcoin message or transaction, or a value we were asked to encode
// that cannot be put on the wire. wire/frame-decoder.ts turns them into `invalid` (skip that
// message) or `fatal` (drop the connection) frames.
import { SpvError } from '../util/errors.js';

export type WireErrorCode =
  /** The 4 message-start bytes are not our network's magic (fatal: Core drops the connection). */
  | 'bad_magic'
  /** A length above a cap: the 4,000,000-byte frame cap (fatal), a per-command cap, MAX_SIZE. */
  | 'oversized'
  /** First 4 bytes of SHA256d(payload) differ from the header's checksum. */
  | 'bad_checksum'
  /** Command field with non-printable bytes, or bytes after its NUL padding began. */
  | 'bad_command'
  /** The payload ended before a field did. */
  | 'truncated'
  /** Bytes left over after the last field. */
  | 'trailing_bytes'
  /** A CompactSize not in its shortest form (Core ReadCompactSize). */
  | 'non_canonical'
  /** An item count above the message's limit (MAX_INV_SZ, MAX_HEADERS_RESULTS, ...). */
  | 'too_many'
  /** A field with a value the format does not allow (address length, string too long, ...). */
  | 'bad_value'
  /** A bug in our own decoder surfaced as an unexpected exception (never expected). */
  | 'internal';

export class WireError extends SpvError {
  declare readonly code: WireErrorCode;

  /** Byte offset in the payload where the bad field starts, when the reader knows it
   * (`spv decode` points at it). Absent for errors found after a whole field was read. */
  readonly offset: number | undefined;

  constructor(code: WireErrorCode, message: string, offset?: number) {
    super(code, message);
    this.offset = offset;
  }
}
