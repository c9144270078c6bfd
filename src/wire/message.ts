// The Bitcoin P2P messages this client speaks, as one union tagged by `command`
// (house style: a `switch` over it ends in an exhaustiveness check). Hashes are 32-byte
// Uint8Arrays in wire order; 64-bit fields are bigint.
import type { Tx } from '../tx/tx.js';
import type { Block } from '../tx/block.js';
import type { MerkleBlock } from '../tx/merkle-block.js';

/** An address as carried in version/addr (BIP155 network id 1 or 2 mapped onto IPv6). */
export interface NetAddress {
  readonly services: bigint;
  /** Text form: "1.2.3.4" for IPv4-mapped addresses, otherwise IPv6 ("::1"). */
  readonly host: string;
  readonly port: number;
}

export interface TimedNetAddress extends NetAddress {
  readonly time: number;
}

/** BIP155 network ids. */
export const enum Bip155Network {
  IPv4 = 1,
  IPv6 = 2,
  TorV2 = 3,
  TorV3 = 4,
  I2P = 5,
  CJDNS = 6,
  Yggdrasil = 7,
}

export interface AddrV2Entry {
  readonly time: number;
  readonly services: bigint;
  readonly networkId: number;
  /** Raw address bytes (length fixed per network id, BIP155). */
  readonly addr: Uint8Array;
  /** Text form when the network is IPv4/IPv6/CJDNS, undefined otherwise. */
  readonly host?: string;
  readonly port: number;
}

export interface InvItem {
  readonly type: number;
  readonly hash: Uint8Array;
}

export interface VersionMessage {
  readonly command: 'version';
  readonly version: number;
  readonly services: bigint;
  /** Unix seconds (int64 on the wire). */
  readonly timestamp: bigint;
  readonly addrRecv: NetAddress;
  readonly addrFrom: NetAddress;
  readonly nonce: bigint;
  readonly userAgent: string;
  readonly startHeight: number;
  /** BIP37 relay flag; undefined when the (older) peer omitted it. */
  readonly relay: boolean | undefined;
}

export interface VerackMessage { readonly command: 'verack' }
export interface PingMessage { readonly command: 'ping'; readonly nonce: bigint }
export interface PongMessage { readonly command: 'pong'; readonly nonce: bigint }
export interface WtxidRelayMessage { readonly command: 'wtxidrelay' }
export interface SendAddrV2Message { readonly command: 'sendaddrv2' }
export interface SendHeadersMessage { readonly command: 'sendheaders' }
export interface SendCmpctMessage { readonly command: 'sendcmpct'; readonly announce: boolean; readonly version: bigint }
/** BIP330 (Erlay) handshake signal: reconciliation protocol version and the sender's salt. */
export interface SendTxRcnclMessage { readonly command: 'sendtxrcncl'; readonly version: number; readonly salt: bigint }
export interface FeeFilterMessage { readonly command: 'feefilter'; readonly feeRate: bigint }
export interface GetAddrMessage { readonly command: 'getaddr' }
export interface AddrMessage { readonly command: 'addr'; readonly addresses: readonly TimedNetAddress[] }
export interface AddrV2Message { readonly command: 'addrv2'; readonly addresses: readonly AddrV2Entry[] }
export interface InvMessage { readonly command: 'inv'; readonly items: readonly InvItem[] }
export interface GetDataMessage { readonly command: 'getdata'; readonly items: readonly InvItem[] }
export interface NotFoundMessage { readonly command: 'notfound'; readonly items: readonly InvItem[] }
export interface GetHeadersMessage {
  readonly command: 'getheaders';
  readonly version: number;
  readonly locator: readonly Uint8Array[];
  readonly hashStop: Uint8Array;
}
export interface HeadersMessage {
  readonly command: 'headers';
  /** Raw 80-byte headers, wire order (the trailing tx count, always 0, is not kept). */
  readonly headers: readonly Uint8Array[];
}
/** BIP61, deprecated: decoded for logging only, never sent or acted upon. */
export interface RejectMessage {
  readonly command: 'reject';
  readonly message: string;
  readonly code: number;
  readonly reason: string;
  readonly data: Uint8Array;
}
/** A transaction (legacy or BIP144 form, as sent); build it with tx/ `makeTx` or `decodeTx`. */
export interface TxMessage { readonly command: 'tx'; readonly tx: Tx }
/** A full block; build it with tx/ `makeBlock` or `decodeBlock`. */
export interface BlockMessage { readonly command: 'block'; readonly block: Block }
/** BIP37: a block header with a partial merkle tree proving the matched txids (verify with tx/ `verifyMerkleBlock`). */
/** BIP37 `merkleblock`: a raw 80-byte header and a partial merkle tree (tx/merkle-block.ts). */
export interface MerkleBlockMessage extends MerkleBlock {
  readonly command: 'merkleblock';
}
/** BIP37 filter (build it with bloom/ `BloomFilter`). */
export interface FilterLoadMessage {
  readonly command: 'filterload';
  readonly filter: Uint8Array;
  readonly hashFuncs: number;
  readonly tweak: number;
  /** BLOOM_UPDATE_NONE 0, _ALL 1, _P2PUBKEY_ONLY 2. */
  readonly flags: number;
}
export interface FilterAddMessage { readonly command: 'filteradd'; readonly data: Uint8Array }
export interface FilterClearMessage { readonly command: 'filterclear' }
/** BIP35: asks for an inv of the peer's mempool. */
export interface MempoolMessage { readonly command: 'mempool' }
/** BIP157 requests and replies; filterType 0 is the BIP158 basic filter. */
export interface GetCFiltersMessage { readonly command: 'getcfilters'; readonly filterType: number; readonly startHeight: number; readonly stopHash: Uint8Array }
export interface CFilterMessage { readonly command: 'cfilter'; readonly filterType: number; readonly blockHash: Uint8Array; readonly filter: Uint8Array }
export interface GetCFHeadersMessage { readonly command: 'getcfheaders'; readonly filterType: number; readonly startHeight: number; readonly stopHash: Uint8Array }
export interface CFHeadersMessage {
  readonly command: 'cfheaders';
  readonly filterType: number;
  readonly stopHash: Uint8Array;
  /** Filter header of the block before the first one covered (zeros before genesis). */
  readonly previousFilterHeader: Uint8Array;
  readonly filterHashes: readonly Uint8Array[];
}
export interface GetCFCheckptMessage { readonly command: 'getcfcheckpt'; readonly filterType: number; readonly stopHash: Uint8Array }
export interface CFCheckptMessage {
  readonly command: 'cfcheckpt';
  readonly filterType: number;
  readonly stopHash: Uint8Array;
  /** Filter headers at heights 1000, 2000, ... up to the stop block. */
  readonly filterHeaders: readonly Uint8Array[];
}
/** A command we do not know: logged and skipped, never a crash (rust-bitcoin's Unknown). */
export interface UnknownMessage { readonly command: 'unknown'; readonly name: string; readonly payload: Uint8Array }

export type Message =
  | VersionMessage
  | VerackMessage
  | PingMessage
  | PongMessage
  | WtxidRelayMessage
  | SendAddrV2Message
  | SendHeadersMessage
  | SendCmpctMessage
  | SendTxRcnclMessage
  | FeeFilterMessage
  | GetAddrMessage
  | AddrMessage
  | AddrV2Message
  | InvMessage
  | GetDataMessage
  | NotFoundMessage
  | GetHeadersMessage
  | HeadersMessage
  | RejectMessage
  | TxMessage
  | BlockMessage
  | MerkleBlockMessage
  | FilterLoadMessage
  | FilterAddMessage
  | FilterClearMessage
  | MempoolMessage
  | GetCFiltersMessage
  | CFilterMessage
  | GetCFHeadersMessage
  | CFHeadersMessage
  | GetCFCheckptMessage
  | CFCheckptMessage
  | UnknownMessage;

export type Command = Message['command'];
