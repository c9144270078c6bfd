// The chain layer's public API: header codec and hashing, proof of work, per-network
// difficulty and contextual rules, the in-memory HeaderChain, the on-disk HeaderStore,
// locators, and the deterministic chain generator. Import from here.
export { ChainError, StoreError, CHAIN_RULES, type ChainErrorCode, type StoreErrorCode } from './errors.js';
export {
  HEADER_SIZE,
  MAX_HEADERS_PER_MSG,
  decodeHeader,
  encodeHeader,
  blockHash,
  blockHashDisplay,
  headerTime,
  headerBits,
  headerVersion,
  headerNonce,
  headerPrevBlock,
  type BlockHeader,
} from './header.js';
export { hashHeader, hashHeaderInto } from './sha256d-header.js';
export { decodeCompact, encodeCompact, validTarget, workFromBits, checkProofOfWork, hashToBigint, type DecodedCompact, type PowCheck } from './pow.js';
export { nextWorkRequired, calculateNextWorkRequired, retargetInterval, walkBackMinDifficulty, arrayAncestors, type AncestorView } from './difficulty.js';
export { checkContextual, medianTimePast, minimumVersion } from './rules.js';
export { locatorHeights } from './locator.js';
export { HeaderChain, MAX_SIDE_HEADERS, type AcceptResult, type ReorgInfo, type TipInfo, type FoundHeader, type HeaderChainOptions } from './header-chain.js';
export { HeaderStore, StoredHeaders, DIGEST_SEGMENT, type OpenStoreOptions, type StoreRecovery, type StoredHeaderInfo } from './header-store.js';
export { DatadirLock } from './lock.js';
export { defaultDatadir, HEADERS_FILE, DIGESTS_FILE, LOCK_FILE } from './datadir.js';
export {
  ChainBuilder,
  generateChain,
  splitHeaders,
  mineHeader,
  deriveTestNetwork,
  GENERATED_VERSION,
  GENERATE_DEFAULT_SPACING_S,
  type BuilderOptions,
  type NextHeaderOptions,
  type GenerateOptions,
} from './generate.js';
export { HeaderHashPool } from './hash-pool.js';
