// Errors of the wallet layer. An `AddressError` is a malformed or wrong-network address typed by
// the user: it extends UsageError so the CLI reports it and exits with code 2 before any network
// traffic. The stable `code` says which rule the text broke.
import { UsageError } from '../util/errors.js';

export type AddressErrorCode =
  | 'empty'
  /** A character outside the base58 or bech32 alphabet (or non-ASCII). */
  | 'bad_character'
  | 'bad_checksum'
  /** Bech32 strings must be all lower case or all upper case (BIP173). */
  | 'mixed_case'
  /** Wrong overall length (bech32 > 90 chars, base58 payload not 21 bytes). */
  | 'bad_length'
  /** A bech32 prefix or base58 version byte that no supported network uses. */
  | 'unknown_prefix'
  /** A valid address of another network than the chosen one. */
  | 'wrong_network'
  /** Witness version above 16 (BIP173). */
  | 'bad_witness_version'
  /** Bech32 for v1+ or bech32m for v0 (BIP350). */
  | 'wrong_checksum_variant'
  /** More than 4 padding bits, or non-zero padding, in the 5-to-8-bit conversion (BIP173). */
  | 'bad_padding'
  /** Witness program not 2..40 bytes, or a v0 program not 20 or 32 bytes (BIP141). */
  | 'bad_program_length'
  /** encodeAddress: the script has no address form (not P2PKH, P2SH or a witness program). */
  | 'unsupported_script';

export class AddressError extends UsageError {
  declare readonly code: AddressErrorCode;
  constructor(code: AddressErrorCode, message: string) {
    super(code, message);
  }
}
