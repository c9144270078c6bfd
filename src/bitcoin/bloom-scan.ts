// BIP37 fallback (`spv watch --bloom`): load a bloom filter of the wallet's script pushes and
// outpoints into a NODE_BLOOM peer, ask for filtered blocks (getdata MSG_FILTERED_BLOCK), verify
// each merkleblock's partial merkle tree against the hash pinned at request time as it arrives,
// keep only the transactions it matched (others are dropped on arrival), and hand each block to
// the wallet when the next merkleblock (or our pong) shows it complete. A ping after each batch
// marks where the peer's answers end; a batch whose blocks a reorg replaced ends stale.
// Privacy: the peer learns (up to the false-positive rate) which scripts and coins are ours.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { bytesEqual, hashToDisplay } from '../util/bytes.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { Message } from '../wire/message.js';
import { InvType } from '../wire/inventory.js';
import type { HeaderChain } from '../chain/header-chain.js';
import { blockHash } from '../chain/header.js';
import type { Tx } from '../tx/tx.js';
import { verifyMerkleBlock } from '../tx/merkle-block.js';
import { BloomFilter, BloomFlags } from '../bloom/filter.js';
import { bloomElementsForScript } from '../bloom/match.js';
import { NODE_BLOOM } from './services.js';
import { PeerRequests } from './peer-requests.js';
import type { BitcoinPeer, PeerService } from './protocol.js';
import type { ScanProgress } from './filter-scan.js';
import { PinnedRange, StaleScanError } from './scan-pin.js';

/** Filtered blocks asked for per round trip (Core's own getdata batches are <= 1000). */
export const FILTERED_BLOCKS_PER_BATCH = 500;
/** Default false-positive rate: more privacy costs more bandwidth (BIP37). */
export const DEFAULT_BLOOM_FP_RATE = 0.0001;
/** Extra elements a loaded filter is sized for (outpoints the peer adds under UPDATE_ALL). */
export const BLOOM_HEADROOM = 500;

export interface BloomTarget {
  scripts(): Uint8Array[];
  ownedOutpoints(): { txid: Uint8Array; vout: number }[];
  applyTxs(height: number, blockHash: Uint8Array, txs: Tx[]): void;
  scanned(height: number): void;
}

export interface BloomScanEvents {
  progress: [ScanProgress];
  liar: [peer: string, reason: string];
  /** Our filter went to this peer (filterload): it now relays only matching transactions. */
  filterLoaded: [peer: BitcoinPeer];
}

export class BloomScanner extends EventEmitter<BloomScanEvents> implements PeerService {
  private readonly ready = new Set<BitcoinPeer>();
  /** Peers that hold our filter (a peer forgets it when the connection closes). */
  private readonly filtered = new WeakSet<BitcoinPeer>();
  private readonly log: Log;
  private matched = 0;
  /** First height not yet handed to the target by the current scan (a retry starts here). */
  private next = 0;
  /** Most matched transactions held at once (for tests: unmatched ones are never held). */
  readonly peaks = { txsHeld: 0 };

  constructor(
    private readonly chain: HeaderChain,
    private readonly target: BloomTarget,
    private readonly requests: PeerRequests,
    opts: { log?: Log; fpRate?: number } = {},
  ) {
    super();
    this.log = opts.log ?? silentLog;
    this.fpRate = opts.fpRate ?? DEFAULT_BLOOM_FP_RATE;
  }
  private readonly fpRate: number;

  onReady(peer: BitcoinPeer): void {
    if (((peer.state.remote?.services ?? 0n) & NODE_BLOOM) !== 0n) this.ready.add(peer);
  }
  onDisconnect(peer: BitcoinPeer): void {
    this.ready.delete(peer);
  }
  onMessage(_peer: BitcoinPeer, _msg: Message): void {}

  get bloomPeers(): BitcoinPeer[] {
    return [...this.ready].filter((p) => !p.isClosed);
  }

  private loadFilter(peer: BitcoinPeer): void {
    const elements = this.target.scripts().flatMap(bloomElementsForScript);
    const outpoints = this.target.ownedOutpoints();
    // Headroom: with UPDATE_ALL the peer inserts each matched outpoint; a filter sized only for
    // our own elements would fill up and then match nearly everything.
    const f = BloomFilter.create(elements.length + outpoints.length + BLOOM_HEADROOM, this.fpRate, randomBytes(4).readUInt32LE(0), BloomFlags.UPDATE_ALL);
    for (const e of elements) f.insert(e);
    for (const o of outpoints) f.insertOutpoint(o);
    peer.send(f.toMessage());
    this.filtered.add(peer);
    this.emit('filterLoaded', peer);
  }

  /** Loads our filter on a bloom peer when none holds it: a watch that resumes at the tip has
   * nothing to scan, but following it needs a filter for relayed transactions (and BIP35). */
  ensureFilter(): void {
    const peers = this.bloomPeers;
    if (peers.length > 0 && !peers.some((p) => this.filtered.has(p))) this.loadFilter(peers[0] as BitcoinPeer);
  }

  /**
   * Scan blocks fromHeight..tip; returns the last height scanned. Retries with the next bloom
   * peer from the first block not yet handed over; StaleScanError when a reorg replaced blocks
   * of the batch in flight.
   */
  async scan(fromHeight: number): Promise<number> {
    this.next = fromHeight;
    for (;;) {
      const peer = this.bloomPeers[0];
      if (!peer) throw new Error('no connected peer accepts bloom filters (NODE_BLOOM)');
      try {
        this.loadFilter(peer);
        return await this.scanWith(peer);
      } catch (err) {
        if (err instanceof StaleScanError) throw err;
        if (err instanceof BloomLie) {
          this.log.warn(`${peer.label} lied (${err.code}): ${err.message}`);
          this.emit('liar', peer.label, `${err.code}: ${err.message}`);
          peer.misbehaving(err.code, err.message);
        } else this.log.info(`bloom scan interrupted: ${errorMessage(err)}`);
        if (this.bloomPeers.length === 0) throw err;
      }
    }
  }

  private async scanWith(peer: BitcoinPeer): Promise<number> {
    const tip = this.chain.height;
    while (this.next <= tip) {
      const pin = new PinnedRange(this.chain, this.next, Math.min(tip, this.next + FILTERED_BLOCKS_PER_BATCH - 1));
      await this.batch(peer, pin);
      this.next = pin.stop + 1;
      this.target.scanned(pin.stop);
      this.emit('progress', { height: pin.stop, tip, matched: this.matched });
    }
    return tip;
  }

  /** One round trip: getdata for the pinned blocks, then a ping; everything up to our pong. */
  private async batch(peer: BitcoinPeer, pin: PinnedRange): Promise<void> {
    const { start, stop } = pin;
    const items = [];
    for (let h = start; h <= stop; h++) items.push({ type: InvType.FILTERED_BLOCK, hash: pin.hashAt(h) });
    const nonce = randomBytes(8).readBigUInt64LE(0) | 1n;
    let expect = start;
    let stale = false;
    let current: { height: number; hash: Uint8Array; want: Map<string, Uint8Array>; txs: Map<string, Tx> } | undefined;
    const finish = (): void => {
      if (!current) return;
      const c = current;
      current = undefined;
      const missing = [...c.want.keys()].filter((id) => !c.txs.has(id));
      if (missing.length) throw new BloomLie('missing_tx', `merkleblock ${c.height} matched ${missing.length} tx(s) it did not send`);
      stale ||= !pin.isCurrent;
      if (stale) return;
      if (c.want.size) this.matched++;
      this.target.applyTxs(c.height, c.hash, [...c.want.keys()].map((id) => c.txs.get(id) as Tx));
      this.next = c.height + 1;
    };
    await this.requests.ask(
      peer,
      [{ command: 'getdata', items }, { command: 'ping', nonce }],
      (m): true | undefined => {
        switch (m.command) {
          case 'merkleblock': {
            finish();
            const hash = blockHash(m.header);
            if (expect > stop || !bytesEqual(hash, pin.hashAt(expect))) throw new BloomLie('unrequested_merkleblock', `merkleblock ${hashToDisplay(hash)} where ${expect > stop ? 'nothing' : `block ${expect}`} was due`);
            let matches;
            try {
              matches = verifyMerkleBlock(m);
            } catch (err) {
              throw new BloomLie('bad_merkleblock', `block ${expect}: ${errorMessage(err)}`);
            }
            current = { height: expect, hash, want: new Map(matches.map((x) => [hashToDisplay(x.txid), x.txid])), txs: new Map() };
            expect++;
            return undefined;
          }
          case 'tx': {
            // Only a transaction the current merkleblock matched is kept, once; the rest is dropped.
            const id = hashToDisplay(m.tx.txid);
            if (current && current.want.has(id) && !current.txs.has(id)) {
              current.txs.set(id, m.tx);
              this.peaks.txsHeld = Math.max(this.peaks.txsHeld, current.txs.size);
            }
            return undefined;
          }
          case 'notfound':
            if (!pin.isCurrent) throw new StaleScanError(`filtered blocks ${start}..${stop}: notfound after a reorg replaced some of them`);
            throw new Error(`${peer.label} does not have some of the requested blocks (notfound)`);
          case 'pong':
            if (m.nonce !== nonce) return undefined;
            finish();
            return true;
          default:
            return undefined;
        }
      },
      () => true,
      `filtered blocks ${start}..${stop}`,
    );
    if (stale || !pin.isCurrent) throw new StaleScanError(`filtered blocks ${start}..${stop} arrived after a reorg replaced some of them`);
    if (expect !== stop + 1) throw new Error(`${peer.label} answered ${expect - start} of ${stop - start + 1} filtered blocks`);
  }
}

class BloomLie extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
