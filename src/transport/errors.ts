// Errors of the transport layer (BIP324 v2 and the v1/v2 choice): a peer whose bytes break the
// transport's rules (no garbage terminator, a bad tag, an oversized packet, a key that does not
// decode). The transports turn them into `fatal` frames, so the connection is dropped.
import { SpvError } from '../util/errors.js';

export type TransportErrorCode =
  /** No garbage terminator within MAX_GARBAGE_LEN + 16 bytes after the key (Core "missing garbage terminator"). */
  | 'no_garbage_terminator'
  /** A packet's Poly1305 tag did not verify (tampering, replay, wrong network, bad garbage AAD). */
  | 'bad_tag'
  /** A decrypted packet length above MAX_CONTENTS_LEN (Core "packet too large"). */
  | 'packet_too_large'
  /** The peer's 64 bytes are not a usable ElligatorSwift key. */
  | 'bad_key'
  /** A v1 `version` header for another network where a v2 key was expected (Core responder rule). */
  | 'wrong_network'
  /** The responder answered our v2 key with a v1 message. */
  | 'v1_reply'
  /** A bug on our side surfaced as an exception (never expected). */
  | 'internal';

export class TransportError extends SpvError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string) {
    super(code, message);
  }
}
