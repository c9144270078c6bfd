// Errors of the wire layer: bytes from a peer that are not a well-formed Bitcoin message, or a
// message we were asked to encode that cannot be put on the wire. The class lives with the byte
// reader/writer in codec/ (below wire/ and tx/, which both parse bytes); the frame decoder turns
// it into `invalid` (skip that message) or `fatal` (drop the connection) frames.
export { WireError, type WireErrorCode } from '../codec/errors.js';
