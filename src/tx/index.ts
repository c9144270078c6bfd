// Transactions and blocks: codecs (legacy + BIP144), txid/wtxid, merkle roots with
// CVE-2012-2459 detection, BIP37 partial merkle trees, and builders for tests and the local peer.
export { MerkleError, type MerkleErrorCode } from './errors.js';
export {
  type OutPoint,
  type TxIn,
  type TxOut,
  type Tx,
  type TxFields,
  MIN_TX_SIZE,
  NULL_INDEX,
  decodeTx,
  readTx,
  makeTx,
  stripWitness,
  hasWitness,
  isCoinbase,
  outpointBytes,
  baseSize,
  txWeight,
} from './tx.js';
export {
  type Block,
  BLOCK_HEADER_SIZE,
  MAX_BLOCK_SERIALIZED_SIZE,
  decodeBlock,
  makeBlock,
  headerMerkleRoot,
  blockMerkleRoot,
  verifyBlockMerkleRoot,
} from './block.js';
export { merkleRoot, merkleParent, type MerkleRoot } from './merkle.js';
export {
  type PartialMerkleTree,
  type MerkleMatch,
  MAX_PARTIAL_TREE_TRANSACTIONS,
  buildPartialMerkleTree,
  extractMatches,
  verifyPartialMerkleTree,
} from './partial-merkle.js';
export { verifyMerkleBlock, merkleBlockFor } from './merkle-block.js';
export { scriptOps, scriptPushes, pushData, pushInt, scriptNum, isPayToPubkey, isBareMultisig, type ScriptOp } from './script.js';
export {
  SEQUENCE_FINAL,
  p2pkhScript,
  p2shScript,
  p2wpkhScript,
  p2wshScript,
  p2trScript,
  opReturnScript,
  dummyUnlock,
  coinbaseTx,
  spendTx,
  witnessCommitment,
  blockHeader,
  buildBlock,
  type CoinbaseOptions,
  type Spend,
  type SpendOptions,
  type HeaderFields,
} from './builder.js';
