// Bitcoin addresses <-> output scripts for one network: Base58Check P2PKH/P2SH (version byte per
// network), bech32 for witness v0 (BIP173) and bech32m for witness v1+ (BIP350). Decoding applies
// every rule of those BIPs and names the network an address belongs to when it is not the chosen
// one; errors are AddressError (a UsageError), meant to be shown before any network traffic.
import { base58, bech32, bech32m } from '@scure/base';
import { NETWORKS, NETWORK_NAMES, type NetworkName, type NetworkParams } from '../params/networks.js';
import { bytesEqual } from '../util/bytes.js';
import { sha256d } from '../util/hash.js';
import { AddressError } from './errors.js';
import { p2pkhScript, p2shScript } from '../tx/builder.js';

export type AddressType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness_unknown';

export interface DecodedAddress {
  readonly type: AddressType;
  /** The output script (scriptPubKey) the address stands for. */
  readonly script: Uint8Array;
}

/** BIP173: a bech32 string is at most 90 characters. */
const BECH32_MAX_LENGTH = 90;
/** BIP173 data-part alphabet. */
const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
/** BIP141: witness programs are 2..40 bytes; v0 programs are 20 (P2WPKH) or 32 (P2WSH). */
const MIN_WITNESS_PROGRAM = 2;
const MAX_WITNESS_PROGRAM = 40;
const MAX_WITNESS_VERSION = 16;
/** Base58Check payload: version byte + HASH160. */
const BASE58_PAYLOAD_BYTES = 21;
const CHECKSUM_BYTES = 4;
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// Script opcodes (Core script.h).
const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_16 = 0x60;
const OP_DUP = 0x76;
const OP_HASH160 = 0xa9;
const OP_EQUALVERIFY = 0x88;
const OP_CHECKSIG = 0xac;
const OP_EQUAL = 0x87;

/** Networks whose parameters satisfy `pred`, as "a, b or c". */
function networksWhere(pred: (p: NetworkParams) => boolean): string {
  const names = NETWORK_NAMES.filter((n) => pred(NETWORKS[n]));
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

function wrongNetwork(text: string, owners: string, params: NetworkParams): AddressError {
  return new AddressError('wrong_network', `address ${text} is for ${owners}, not ${params.name} (the chosen network)`);
}

// ---- scripts --------------------------------------------------------------------------------

// P2PKH / P2SH scripts are built by the transaction layer; re-exported for address users.
export { p2pkhScript, p2shScript };

/** OP_n <program>: the output script of a witness program (BIP141). */
export function witnessScript(version: number, program: Uint8Array): Uint8Array {
  if (!Number.isInteger(version) || version < 0 || version > MAX_WITNESS_VERSION) {
    throw new AddressError('bad_witness_version', `witness version ${version} is not 0..16`);
  }
  checkProgramLength(version, program.length);
  return Uint8Array.of(version === 0 ? OP_0 : OP_1 + version - 1, program.length, ...program);
}

function checkProgramLength(version: number, length: number): void {
  if (length < MIN_WITNESS_PROGRAM || length > MAX_WITNESS_PROGRAM) {
    throw new AddressError('bad_program_length', `witness program of ${length} bytes (must be 2..40)`);
  }
  if (version === 0 && length !== 20 && length !== 32) {
    throw new AddressError('bad_program_length', `witness v0 program of ${length} bytes (must be 20 or 32, BIP141)`);
  }
}

type WitnessAddressType = 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness_unknown';

function witnessType(version: number, length: number): WitnessAddressType {
  if (version === 0) return length === 20 ? 'p2wpkh' : 'p2wsh';
  return version === 1 && length === 32 ? 'p2tr' : 'witness_unknown';
}

type Classified =
  | { readonly type: 'p2pkh' | 'p2sh'; readonly hash: Uint8Array }
  | { readonly type: WitnessAddressType; readonly version: number; readonly program: Uint8Array };

function classify(script: Uint8Array): Classified | undefined {
  const n = script.length;
  if (n === 25 && script[0] === OP_DUP && script[1] === OP_HASH160 && script[2] === 20 && script[23] === OP_EQUALVERIFY && script[24] === OP_CHECKSIG) {
    return { type: 'p2pkh', hash: script.subarray(3, 23) };
  }
  if (n === 23 && script[0] === OP_HASH160 && script[1] === 20 && script[22] === OP_EQUAL) {
    return { type: 'p2sh', hash: script.subarray(2, 22) };
  }
  // Witness program (Core CScript::IsWitnessProgram): OP_0 or OP_1..OP_16, then one direct push
  // of 2..40 bytes that ends the script.
  if (n >= 4 && n <= 42 && (script[0] === OP_0 || (script[0] >= OP_1 && script[0] <= OP_16)) && script[1] + 2 === n) {
    const version = script[0] === OP_0 ? 0 : script[0] - OP_1 + 1;
    const program = script.subarray(2);
    if (version === 0 && program.length !== 20 && program.length !== 32) return undefined; // no address (Core: nonstandard)
    return { type: witnessType(version, program.length), version, program };
  }
  return undefined;
}

/** The address type of an output script, or undefined when it has no address form. */
export function scriptAddressType(script: Uint8Array): AddressType | undefined {
  return classify(script)?.type;
}

// ---- encoding -------------------------------------------------------------------------------

function base58check(payload: Uint8Array): string {
  const check = sha256d(payload).subarray(0, CHECKSUM_BYTES);
  const full = new Uint8Array(payload.length + CHECKSUM_BYTES);
  full.set(payload);
  full.set(check, payload.length);
  return base58.encode(full);
}

/** The address of an output script on `params`'s network; AddressError('unsupported_script')
 * for scripts that have none (bare multisig, P2PK, OP_RETURN, ...). */
export function encodeAddress(script: Uint8Array, params: NetworkParams): string {
  const c = classify(script);
  if (c === undefined) throw new AddressError('unsupported_script', `script of ${script.length} bytes has no address form`);
  switch (c.type) {
    case 'p2pkh':
      return base58check(Uint8Array.of(params.base58Pubkey, ...c.hash));
    case 'p2sh':
      return base58check(Uint8Array.of(params.base58Script, ...c.hash));
    case 'p2wpkh':
    case 'p2wsh':
    case 'p2tr':
    case 'witness_unknown': {
      const words = [c.version, ...bech32.toWords(c.program)];
      // BIP350: bech32 for version 0, bech32m for versions 1..16.
      return c.version === 0 ? bech32.encode(params.bech32Hrp, words, BECH32_MAX_LENGTH) : bech32m.encode(params.bech32Hrp, words, BECH32_MAX_LENGTH);
    }
    default: {
      const never: never = c;
      throw new Error(`unhandled script class ${JSON.stringify(never)}`);
    }
  }
}

// ---- decoding -------------------------------------------------------------------------------

const KNOWN_HRPS = new Set(NETWORK_NAMES.map((n) => NETWORKS[n].bech32Hrp));

/** The lower-cased part before the last '1' (bech32's human-readable part) and whether the rest
 * uses only bech32 characters; undefined when there is no such separator. */
function bech32Parts(text: string): { readonly hrp: string; readonly dataIsBech32: boolean } | undefined {
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1) return undefined;
  let dataIsBech32 = lower.length - sep - 1 >= 6;
  for (let i = sep + 1; i < lower.length && dataIsBech32; i++) dataIsBech32 = BECH32_CHARSET.includes(lower[i]);
  return { hrp: lower.slice(0, sep), dataIsBech32 };
}

function decodeSegwit(text: string, params: NetworkParams): DecodedAddress {
  if (text.length > BECH32_MAX_LENGTH) throw new AddressError('bad_length', `bech32 address of ${text.length} characters (at most ${BECH32_MAX_LENGTH})`);
  // BIP173: "Decoders MUST NOT accept strings where some characters are uppercase and some are lowercase".
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw new AddressError('mixed_case', `address ${text} mixes upper and lower case`);
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  for (let i = sep + 1; i < lower.length; i++) {
    if (!BECH32_CHARSET.includes(lower[i])) throw new AddressError('bad_character', `address ${text}: '${text[i]}' at position ${i} is not a bech32 character`);
  }
  if (lower.length - sep - 1 < 6) throw new AddressError('bad_length', `address ${text}: data part shorter than the 6-character checksum`);
  const asBech32 = bech32.decodeUnsafe(lower, BECH32_MAX_LENGTH);
  const asBech32m = asBech32 ? undefined : bech32m.decodeUnsafe(lower, BECH32_MAX_LENGTH);
  const decoded = asBech32 ?? asBech32m;
  if (!decoded) throw new AddressError('bad_checksum', `address ${text} has an invalid checksum (mistyped?)`);
  const hrp = decoded.prefix;
  if (hrp !== params.bech32Hrp) {
    const owners = networksWhere((p) => p.bech32Hrp === hrp);
    throw owners ? wrongNetwork(text, owners, params) : new AddressError('unknown_prefix', `address ${text}: prefix '${hrp}' is not a Bitcoin network's`);
  }
  const words = decoded.words;
  if (words.length === 0) throw new AddressError('bad_length', `address ${text} has an empty data part`);
  const version = words[0];
  if (version > MAX_WITNESS_VERSION) throw new AddressError('bad_witness_version', `address ${text}: witness version ${version} (must be 0..16)`);
  if (version === 0 && !asBech32) throw new AddressError('wrong_checksum_variant', `address ${text}: witness v0 must use bech32, not bech32m (BIP350)`);
  if (version !== 0 && asBech32) throw new AddressError('wrong_checksum_variant', `address ${text}: witness v${version} must use bech32m, not bech32 (BIP350)`);
  // BIP173: at most 4 padding bits, all zero (scure's fromWords enforces both).
  const program = bech32.fromWordsUnsafe(words.slice(1));
  if (!program) throw new AddressError('bad_padding', `address ${text}: invalid padding in the witness program`);
  checkProgramLength(version, program.length);
  return { type: witnessType(version, program.length), script: witnessScript(version, program) };
}

function decodeBase58(text: string, params: NetworkParams): DecodedAddress {
  for (let i = 0; i < text.length; i++) {
    if (!BASE58_ALPHABET.includes(text[i])) throw new AddressError('bad_character', `not a valid address: '${text[i]}' at position ${i} is not a base58 character`);
  }
  const raw = base58.decode(text);
  if (raw.length < CHECKSUM_BYTES + 1) throw new AddressError('bad_length', `address ${text} is too short`);
  const payload = raw.subarray(0, raw.length - CHECKSUM_BYTES);
  if (!bytesEqual(sha256d(payload).subarray(0, CHECKSUM_BYTES), raw.subarray(raw.length - CHECKSUM_BYTES))) {
    throw new AddressError('bad_checksum', `address ${text} has an invalid checksum (mistyped?)`);
  }
  if (payload.length !== BASE58_PAYLOAD_BYTES) throw new AddressError('bad_length', `address ${text} carries ${payload.length - 1} bytes, not a 20-byte hash`);
  const version = payload[0];
  const hash = payload.subarray(1);
  if (version === params.base58Pubkey) return { type: 'p2pkh', script: p2pkhScript(hash) };
  if (version === params.base58Script) return { type: 'p2sh', script: p2shScript(hash) };
  const owners = networksWhere((p) => p.base58Pubkey === version || p.base58Script === version);
  if (owners) throw wrongNetwork(text, owners, params);
  throw new AddressError('unknown_prefix', `address ${text}: base58 version byte 0x${version.toString(16).padStart(2, '0')} is not a Bitcoin address type`);
}

/**
 * The output script an address stands for on `params`'s network. Throws AddressError with a
 * message fit for the user: malformed text, bad checksum, or an address of another network.
 */
export function decodeAddress(text: string, params: NetworkParams): DecodedAddress {
  if (text.length === 0) throw new AddressError('empty', 'empty address');
  const parts = bech32Parts(text);
  // Valid base58 addresses start with 1, 3, m, n or 2, so they never carry a Bitcoin bech32 prefix.
  if (parts !== undefined && KNOWN_HRPS.has(parts.hrp)) return decodeSegwit(text, params);
  try {
    return decodeBase58(text, params);
  } catch (e) {
    // Not base58 but shaped like bech32 with a prefix no Bitcoin network uses ("tc1q...").
    if (parts?.dataIsBech32 && e instanceof AddressError && (e.code === 'bad_character' || e.code === 'bad_checksum')) {
      throw new AddressError('unknown_prefix', `address ${text}: prefix '${parts.hrp}' is not a Bitcoin network's (${[...KNOWN_HRPS].join(', ')})`);
    }
    throw e;
  }
}

/** Names of the networks on which `text` decodes, e.g. to suggest the right --network flag. */
export function addressNetworks(text: string): NetworkName[] {
  return NETWORK_NAMES.filter((n) => {
    try {
      decodeAddress(text, NETWORKS[n]);
      return true;
    } catch {
      return false;
    }
  });
}
