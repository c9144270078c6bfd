// BIP37 bloom filtering: MurmurHash3, the filter (sizing, insert/contains, filterload), and the
// transaction-matching rules used to build merkleblocks and to choose a wallet's filter elements.
export { murmur3 } from './murmur3.js';
export { BloomError, type BloomErrorCode } from './errors.js';
export { BloomFilter, BloomFlags, BLOOM_UPDATE_MASK, bloomSize, bloomSeed, MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS } from './filter.js';
export { isRelevantAndUpdate, filterBlock, bloomElementsForScript, type FilteredBlock } from './match.js';
