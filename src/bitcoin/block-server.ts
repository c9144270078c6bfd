// Serving blocks the way a Core node with -peerbloomfilters does (net_processing ProcessGetData,
// ProcessGetBlockData, FILTERLOAD/FILTERADD/FILTERCLEAR): getdata for blocks (legacy or BIP144
// form), BIP37 filtered blocks (merkleblock + the matched txs), a bloom filter per peer; plus
// lying modes (tampered blocks, forged merkle trees) for testing clients.
import type { GetDataMessage, InvItem, Message, MerkleBlockMessage } from '../wire/message.js';
import { InvType } from '../wire/inventory.js';
import { MAX_SCRIPT_ELEMENT_SIZE } from '../wire/messages/filteradd.js';
import { reason } from '../net/disconnect.js';
import { silentLog, type Log } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { hashToDisplay } from '../util/bytes.js';
import { type Block, makeBlock } from '../tx/block.js';
import { buildPartialMerkleTree } from '../tx/partial-merkle.js';
import { makeTx, stripWitness, hasWitness, type Tx } from '../tx/tx.js';
import { BloomFilter } from '../bloom/filter.js';
import { BloomError } from '../bloom/errors.js';
import { filterBlock } from '../bloom/match.js';
import type { LocalBlock, LocalBlockChain } from './local-blocks.js';
import type { BitcoinPeer, PeerService } from './protocol.js';

/** Queued replies for a peer are sent while less than this is waiting in its socket, bytes. */
export const REPLY_PAUSE_BYTES = 256 * 1024;
/** How often a paused reply queue looks at the socket again, ms. */
export const REPLY_RETRY_MS = 2;
/** More queued reply jobs than this and the peer is dropped: Core stops reading from a peer while
 * its getdata queue is not empty (ProcessMessages), we cannot, so we bound the queue instead. */
export const MAX_QUEUED_REPLIES = 100_000;

/**
 * Per-peer ordered reply jobs sent with back-pressure: a request for 1,000 blocks is answered as
 * the peer reads, not pushed into its socket at once (which Peer would punish at 16 MB).
 */
export class ReplyQueue {
  private readonly jobs = new Map<BitcoinPeer, (() => void)[]>();
  constructor(private readonly timerName: string) {}

  push(peer: BitcoinPeer, job: () => void): void {
    let list = this.jobs.get(peer);
    if (!list) this.jobs.set(peer, (list = []));
    if (list.length >= MAX_QUEUED_REPLIES) {
      this.jobs.delete(peer);
      peer.disconnect(reason('protocol', 'reply_queue_full', `more than ${MAX_QUEUED_REPLIES} replies waiting for a peer that does not read them`));
      return;
    }
    list.push(job);
  }

  /** Sends what the socket takes now; schedules the rest. */
  drain(peer: BitcoinPeer): void {
    const list = this.jobs.get(peer);
    if (!list) return;
    let i = 0;
    while (i < list.length && !peer.isClosed && peer.sendQueueBytes < REPLY_PAUSE_BYTES) list[i++]!();
    list.splice(0, i);
    if (list.length === 0 || peer.isClosed) {
      this.jobs.delete(peer);
      return;
    }
    peer.setTimer(this.timerName, REPLY_RETRY_MS, () => this.drain(peer));
  }

  forget(peer: BitcoinPeer): void {
    this.jobs.delete(peer);
  }

  pending(peer: BitcoinPeer): number {
    return this.jobs.get(peer)?.length ?? 0;
  }
}

/** How a lying `merkleblock` is forged. */
export type MerkleForgery =
  /** A fabricated transaction stands in for a matched one (or the coinbase when nothing matched):
   * its txid is a leaf of an otherwise well-formed tree, whose root then differs from the header's. */
  | 'fake-match'
  /** The honest tree with one hash too many: "hashes left over", or in a block of few txs "more
   * hashes than transactions". */
  | 'extra-hash'
  /** The honest tree without its last hash (the walk runs out of hashes). */
  | 'missing-hash';

/** Lies a BlockServer tells (for tests of clients); `heights` limits them to those active-chain
 * heights (default: every block). */
export type BlockLie =
  /** `block` replies whose transactions do not hash to the header's merkle root (one tx altered). */
  | { readonly kind: 'tampered-block'; readonly heights?: readonly number[] }
  /** `merkleblock` replies with a forged partial merkle tree (plus a fabricated `tx` for 'fake-match'). */
  | { readonly kind: 'forged-merkleblock'; readonly heights?: readonly number[]; readonly forgery?: MerkleForgery }
  /** After each honest `merkleblock` and its matched txs, `count` more `tx` messages: made-up
   * unmatched ones and repeats of the matched ones (a flood, not a forgery). */
  | { readonly kind: 'tx-flood'; readonly heights?: readonly number[]; readonly count: number };

export interface BlockServerOptions {
  /** Serve BIP37 (NODE_BLOOM). Default true; when false, filterload/filteradd/filterclear
   * disconnect as Core does for a node without NODE_BLOOM. */
  bloom?: boolean;
  /**
   * Answer block requests we cannot serve with `notfound` (default), or ignore them as Core does
   * (ProcessGetBlockData returns silently for an unknown block).
   */
  unknownBlocks?: 'notfound' | 'ignore';
  lie?: BlockLie;
  log?: Log;
  /** Transactions getdata may fetch (a MempoolServer's `txFor`); without it every one is notfound. */
  txFor?: (peer: BitcoinPeer, item: InvItem) => Tx | undefined;
}

/** The same transaction with one satoshi more in its first output (a different txid). */
function alteredTx(tx: Tx): Tx {
  const outputs = tx.outputs.map((o, i) => (i === 0 ? { value: o.value + 1n, scriptPubKey: o.scriptPubKey } : o));
  return makeTx({ version: tx.version, inputs: tx.inputs, outputs, lockTime: tx.lockTime });
}

/** `block` with its last transaction altered and the header kept: the merkle root no longer matches. */
export function tamperedBlock(block: Pick<Block, 'header' | 'txs'>): Block {
  const txs = block.txs.slice();
  txs[txs.length - 1] = alteredTx(txs[txs.length - 1]!);
  return makeBlock(block.header, txs);
}

/** A block without witness data (what Core sends for MSG_BLOCK). */
export function legacyBlock(block: Block): Block {
  if (!block.txs.some(hasWitness)) return block;
  return makeBlock(block.header, block.txs.map(stripWitness));
}

/**
 * A forged BIP37 reply for `block` under `filter` (which is updated as an honest reply would):
 * the merkleblock and the transactions sent after it.
 */
export function forgedMerkleBlock(block: Pick<Block, 'header' | 'txs'>, filter: BloomFilter, forgery: MerkleForgery): { merkleBlock: MerkleBlockMessage; txs: Tx[] } {
  const honest = filterBlock(filter, block);
  const txs = honest.matches.map((m) => stripWitness(m.tx));
  switch (forgery) {
    case 'fake-match': {
      const victim = honest.matches[0]?.index ?? 0;
      const fake = stripWitness(alteredTx(block.txs[victim]!));
      const txids = block.txs.map((t, i) => (i === victim ? fake.txid : t.txid));
      const matched = block.txs.map((_, i) => i === victim || honest.matches.some((m) => m.index === i));
      const tree = buildPartialMerkleTree(txids, matched);
      const sent = block.txs.map((t, i) => (i === victim ? fake : stripWitness(t))).filter((_, i) => matched[i]);
      return { merkleBlock: { command: 'merkleblock', header: block.header, ...tree }, txs: sent };
    }
    case 'extra-hash': {
      const m = honest.merkleBlock;
      return { merkleBlock: { ...m, hashes: [...m.hashes, new Uint8Array(32).fill(0x5a)] }, txs };
    }
    case 'missing-hash': {
      const m = honest.merkleBlock;
      return { merkleBlock: { ...m, hashes: m.hashes.slice(0, -1) }, txs };
    }
    default: {
      const never: never = forgery;
      throw new Error(`unknown forgery ${String(never)}`);
    }
  }
}

export class BlockServer implements PeerService {
  private readonly filters = new Map<BitcoinPeer, BloomFilter>();
  private readonly replies = new ReplyQueue('block-server-replies');
  private readonly bloom: boolean;
  private readonly unknownBlocks: 'notfound' | 'ignore';
  private readonly lie: BlockLie | undefined;
  private readonly log: Log;
  private readonly txFor: BlockServerOptions['txFor'];
  /** Blocks, merkleblocks and notfounds sent (for tests and logs). */
  readonly sent = { blocks: 0, merkleBlocks: 0, txs: 0, notFound: 0 };

  constructor(
    private readonly chain: LocalBlockChain,
    opts: BlockServerOptions = {},
  ) {
    this.bloom = opts.bloom ?? true;
    this.unknownBlocks = opts.unknownBlocks ?? 'notfound';
    this.lie = opts.lie;
    this.log = opts.log ?? silentLog;
    this.txFor = opts.txFor;
  }

  /** The BIP37 filter `peer` has loaded (as updated by the blocks served since), if any. */
  filterOf(peer: BitcoinPeer): BloomFilter | undefined {
    return this.filters.get(peer);
  }

  onDisconnect(peer: BitcoinPeer): void {
    this.filters.delete(peer);
    this.replies.forget(peer);
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    switch (msg.command) {
      case 'getdata':
        return this.onGetData(peer, msg);
      case 'filterload': {
        if (!this.bloomOffered(peer, msg.command)) return;
        try {
          this.filters.set(peer, BloomFilter.fromMessage(msg));
        } catch (err) {
          // Core: Misbehaving(peer, "too-large bloom filter"). (The frame decoder already bans
          // filters over the limits; this is the second line.)
          if (err instanceof BloomError) return peer.misbehaving('bloom_filter_too_large', err.message);
          throw err;
        }
        return;
      }
      case 'filteradd': {
        if (!this.bloomOffered(peer, msg.command)) return;
        const filter = this.filters.get(peer);
        // Core: Misbehaving(peer, "bad filteradd message") for oversized data or no filter loaded.
        if (msg.data.length > MAX_SCRIPT_ELEMENT_SIZE) return peer.misbehaving('bad_filteradd', `filteradd of ${msg.data.length} bytes (limit ${MAX_SCRIPT_ELEMENT_SIZE})`);
        if (!filter) return peer.misbehaving('bad_filteradd', 'filteradd without a loaded filter');
        filter.insert(msg.data);
        return;
      }
      case 'filterclear':
        if (!this.bloomOffered(peer, msg.command)) return;
        this.filters.delete(peer);
        return;
      default:
        return;
    }
  }

  /** Core disconnects (without discouraging) a peer sending BIP37 messages to a node without NODE_BLOOM. */
  private bloomOffered(peer: BitcoinPeer, command: string): boolean {
    if (this.bloom) return true;
    peer.disconnect(reason('protocol', 'bloom_not_offered', `${command} received, but we do not offer NODE_BLOOM`));
    return false;
  }

  private lieApplies(kind: BlockLie['kind'], block: LocalBlock): boolean {
    const lie = this.lie;
    if (!lie || lie.kind !== kind || !this.chain.isActive(block)) return false;
    return lie.heights === undefined || lie.heights.includes(block.height);
  }

  private onGetData(peer: BitcoinPeer, msg: GetDataMessage): void {
    const notFound: InvItem[] = [];
    for (const item of msg.items) {
      switch (item.type) {
        case InvType.BLOCK:
        case InvType.WITNESS_BLOCK:
        case InvType.FILTERED_BLOCK: {
          const block = this.chain.blockByHash(item.hash);
          if (!block) {
            if (this.unknownBlocks === 'notfound') notFound.push(item);
            this.log.debug(`${peer.label}: getdata for unknown block ${hashToDisplay(item.hash)}`);
            continue;
          }
          this.replies.push(peer, () => this.sendBlock(peer, block, item.type));
          continue;
        }
        case InvType.TX:
        case InvType.WTX:
        case InvType.WITNESS_TX: {
          // From the mempool (in the requested serialization); else notfound, as Core.
          const tx = this.txFor?.(peer, item);
          if (tx) {
            this.replies.push(peer, () => {
              peer.send({ command: 'tx', tx });
              this.sent.txs++;
            });
          } else notFound.push(item);
          continue;
        }
        default:
          // Core drops unknown types and MSG_FILTERED_WITNESS_BLOCK; MSG_CMPCT_BLOCK (BIP152) is not offered.
          this.log.debug(`${peer.label}: ignoring getdata item of type ${item.type}`);
          continue;
      }
    }
    if (notFound.length > 0) {
      this.replies.push(peer, () => {
        this.sent.notFound += notFound.length;
        peer.send({ command: 'notfound', items: notFound });
      });
    }
    this.replies.drain(peer);
  }

  private sendBlock(peer: BitcoinPeer, local: LocalBlock, type: number): void {
    if (type === InvType.FILTERED_BLOCK) {
      const filter = this.filters.get(peer);
      // Core: no filter loaded, no response.
      if (!filter) return;
      let reply: { merkleBlock: MerkleBlockMessage; txs: readonly Tx[] };
      try {
        if (this.lieApplies('forged-merkleblock', local)) {
          const forgery = (this.lie as Extract<BlockLie, { kind: 'forged-merkleblock' }>).forgery ?? 'fake-match';
          reply = forgedMerkleBlock(local.block, filter, forgery);
        } else {
          const honest = filterBlock(filter, local.block);
          // Core sends each matched tx without witness (TX_NO_WITNESS).
          reply = { merkleBlock: honest.merkleBlock, txs: honest.matches.map((m) => stripWitness(m.tx)) };
        }
      } catch (err) {
        this.log.warn(`${peer.label}: cannot build merkleblock for ${local.hashHex}: ${errorMessage(err)}`);
        return;
      }
      peer.send(reply.merkleBlock);
      this.sent.merkleBlocks++;
      for (const tx of reply.txs) peer.send({ command: 'tx', tx });
      this.sent.txs += reply.txs.length;
      if (this.lieApplies('tx-flood', local)) {
        const { count } = this.lie as Extract<BlockLie, { kind: 'tx-flood' }>;
        const unmatched = stripWitness(alteredTx(local.block.txs[0]!));
        for (let i = 0; i < count; i++) peer.send({ command: 'tx', tx: i % 2 === 1 && reply.txs.length > 0 ? reply.txs[i % reply.txs.length]! : unmatched });
        this.sent.txs += count;
      }
      return;
    }
    let block = local.block;
    if (this.lieApplies('tampered-block', local)) block = tamperedBlock(block);
    peer.send({ command: 'block', block: type === InvType.WITNESS_BLOCK ? block : legacyBlock(block) });
    this.sent.blocks++;
  }
}
