// Errors of the toy-chain mode: malformed lines, blocks that fail validation, bad sync replies.
// The stable `code` says why (bad_json, bad_shape, bad_hash, bad_pow, bad_parent, ...) so the
// protocol can score the peer and the CLI can log a reason without matching on message text.
import { SpvError } from '../util/errors.js';

export class ToyError extends SpvError {}
