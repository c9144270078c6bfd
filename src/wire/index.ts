// The wire layer's public surface: message types, codec, envelope helpers, errors, and the
// per-message files (as namespaces) for callers that need a constant such as MAX_HEADERS_RESULTS.
export * from './message.js';
export { WireError, type WireErrorCode } from './errors.js';
export { ByteReader, MAX_SIZE } from '../codec/reader.js';
export { ByteWriter } from '../codec/writer.js';
export { messageChecksum } from './checksum.js';
export { sha256dFast } from '../util/sha256d-fast.js';
export {
  HEADER_SIZE,
  COMMAND_SIZE,
  MAX_PROTOCOL_MESSAGE_LENGTH,
  encodeMessage,
  encodePayload,
  decodePayload,
  commandName,
  describeMessage,
  isKnownCommand,
  maxPayloadFor,
  parseCommandField,
} from './envelope.js';
export { BitcoinFrameDecoder, bitcoinCodec } from './frame-decoder.js';
export { InvType, MSG_WITNESS_FLAG, MAX_INV_SZ } from './inventory.js';
export { hostFromIp16, ip16FromHost, formatIpv6, formatIpv4 } from '../util/ip.js';
export { PROTOCOL_VERSION, MAX_SUBVERSION_LENGTH } from './messages/version.js';
export { MAX_HEADERS_RESULTS } from './messages/headers.js';
export { MAX_LOCATOR_SZ } from './messages/getheaders.js';
export { MAX_ADDR_TO_SEND } from './messages/addr.js';
export { makeAddrV2Entry, bip155AddressLength, MAX_ADDRV2_SIZE } from './messages/addrv2.js';
export { MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS } from './messages/filterload.js';
export { MAX_SCRIPT_ELEMENT_SIZE } from './messages/filteradd.js';
export { MAX_GETCFILTERS_SIZE } from './messages/getcfilters.js';
export { MAX_GETCFHEADERS_SIZE } from './messages/getcfheaders.js';
export { CFCHECKPT_INTERVAL, MAX_CFCHECKPT_HEADERS } from './messages/cfcheckpt.js';
