// spv as a library: the public API (`import { SpvClient } from 'spv'`). Small on purpose: the
// names below are stable; everything not exported here is internal and free to change.
// The CLI (src/cli/) is this API's first consumer.

// A light client: header store + peers + header sync + an address watch.
export {
  SpvClient,
  SyncError,
  DEFAULT_MAX_PEERS,
  DEFAULT_PEER_TIMEOUT_MS,
  type SpvClientOptions,
  type SpvClientEvents,
  type ConnectedPeer,
  type ReorgEvent,
} from './client/spv-client.js';
export { AddressWatch, type AddressWatchEvents, type WatchOptions, type WatchTx, type Balances, type AddressBalance, type PendingPayment, type PendingConflict } from './client/address-watch.js';

// Sending a transaction: pre-checks (Core CheckTransaction + size policy), then broadcast.
export { TxBroadcast, BroadcastError, type BroadcastOptions, type BroadcastResult, type Confirmation, type TxBroadcastEvents, type PeerBroadcastReport } from './client/broadcast.js';
export { TxCheckError, type TxCheckCode, decodeCheckedTx, preCheckTransaction } from './tx/check.js';

// One-shot tools.
export { handshake, type HandshakeOptions } from './client/handshake.js';
export { discoverPeers, type DiscoverPeersOptions, type Discovery, type DiscoveredPeer } from './client/discover.js';
export { ProbeError, transportLabel, type ProbeFailure } from './bitcoin/probe.js';
export type { TransportKind } from './net/transport.js';

// Value types.
export { networkParams, type NetworkName, type Tip, type HeaderInfo, type PeerInfo } from './client/types.js';
export type { SyncProgress, SyncSummary } from './bitcoin/header-sync.js';
export { loadHints, shippedHintsPath, type HintsOption } from './client/hints.js';
export { parseHints, formatHints, type DownloadHint } from './bitcoin/download-hints.js';
export type { ScanProgress } from './bitcoin/filter-scan.js';
export type { DialAttempt } from './bitcoin/outbound.js';
export type { DiscoveryReport } from './discovery/discover.js';
export type { NetworkParams } from './params/networks.js';
export type { TxRecord, WalletOutput } from './wallet/wallet.js';
export { formatBtc } from './wallet/wallet.js';

// Errors: every error the library throws is an SpvError with a stable `code`.
export { SpvError } from './util/errors.js';
export { WireError, type WireErrorCode } from './wire/errors.js';
export { ChainError, StoreError } from './chain/errors.js';

// Logging seam: pass any object with error/warn/info/debug (winston's logger fits).
export { silentLog, MemoryLog, type Log, type LogLevel, type LogFields } from './util/log.js';

// The wire codec, for tool builders.
export { encodeMessage, decodeMessage, createMessageDecoder } from './client/codec.js';
export type { Message } from './wire/message.js';
export type { MessageObserver, MessageDirection } from './net/observer.js';

// The toy gossip chain.
export { ToyNode, type ToyNodeOptions, type ToyPeerInfo } from './toy/node.js';
export { ToyNetwork } from './client/toy-network.js';
export type { ToyNetworkOptions, ToyNetworkReport, ToyBlockSpread, ToyTopology } from './toy/network.js';
export type { ToyBlock } from './toy/block.js';
