// BIP157/158 compact block filters: SipHash-2-4, Golomb-Rice coding, Golomb-coded sets, the
// basic filter (build, match) and filter-header chains. Pure code: no I/O, no logging.
export { FilterError, type FilterErrorCode } from './errors.js';
export { sipHash24, sipHash24Into, sipKey, SIPHASH_KEY_BYTES, type SipKey } from './siphash.js';
export { BitReader, BitWriter } from './bitstream.js';
export { golombRiceEncode, golombRiceDecode, MAX_GOLOMB_P } from './golomb.js';
export { buildGcs, decodeGcs, gcsMatchAny, gcsElementCount, GcsHasher, MAX_GCS_ELEMENTS, type GcsParams } from './gcs.js';
export {
  BASIC_FILTER_TYPE,
  BASIC_FILTER_P,
  BASIC_FILTER_M,
  basicFilterParams,
  basicFilterElements,
  buildBasicFilter,
  matchAny,
  match,
} from './basic.js';
export {
  CFCHECKPT_INTERVAL,
  GENESIS_PREVIOUS_FILTER_HEADER,
  filterHash,
  filterHeader,
  filterHeaderOf,
  filterMatchesHeader,
  chainFilterHeaders,
  checkpointsFromCfcheckpt,
  firstCheckpointDisagreement,
  verifyCfheaders,
  type CfheadersBatch,
  type FilterCheckpoints,
} from './headers.js';
