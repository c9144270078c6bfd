// The toy-chain mode's public surface: blocks, chain, codec, sans-I/O gossip logic, the node on
// net/'s PeerManager, persistence, and the local toy network used by `spv toy-net` and the demo.
export { ToyError } from './errors.js';
export {
  BlockMiner, blockToJson, checkBlock, computeBlockHash, DEFAULT_DIFFICULTY, GENESIS_BLOCK, hashPreimage, MAX_DATA_BYTES,
  MAX_DIFFICULTY, meetsDifficulty, mineBlock, parseBlock, type ToyBlock, type ToyBlockTemplate, type ToyTransaction,
} from './block.js';
export { ToyChain, type AddResult, type Reorg } from './chain.js';
export { formatToyMessage, parseToyLine, type ToyMessage, type ToyTip } from './messages.js';
export { MAX_LINE_BYTES, ToyLineCodec } from './codec.js';
export { ToyGossip, type ToyAction, type ToyEvent, type ToyPeerState } from './gossip.js';
export { ToyBlockStore, TOY_BLOCKS_FILE } from './store.js';
export { ToyNode, type ToyNodeOptions, type ToyPeerInfo } from './node.js';
export {
  buildTopology, runToyNetwork, seededRandom, TOPOLOGIES, waitUntil, type ToyBlockSpread, type ToyNetworkOptions,
  type ToyNetworkReport, type ToyTopology, type ToyPropagationEvent,
} from './network.js';
