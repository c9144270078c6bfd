// BIP37 fallback (`spv watch --bloom`): load a bloom filter of the wallet's script pushes and
// outpoints into a NODE_BLOOM peer, ask for filtered blocks (getdata MSG_FILTERED_BLOCK), verify
// each merkleblock's partial merkle tree against the validated header, and collect the matched
// transactions that follow it. A ping after each batch marks where the peer's answers end.
// Privacy: the peer learns (up to the false-positive rate) which scripts and coins are ours.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { bytesEqual, hashToDisplay } from '../util/bytes.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { MerkleBlockMessage, Message } from '../wire/message.js';
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

const MSG_FILTERED_BLOCK = 3;
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

export class BloomScanner extends EventEmitter<{ progress: [ScanProgress]; liar: [string, string] }> implements PeerService {
  private readonly ready = new Set<BitcoinPeer>();
  private readonly log: Log;
  private matched = 0;

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
  }

  async scan(fromHeight: number): Promise<number> {
    for (;;) {
      const peer = this.bloomPeers[0];
      if (!peer) throw new Error('no connected peer accepts bloom filters (NODE_BLOOM)');
      try {
        this.loadFilter(peer);
        return await this.scanWith(peer, fromHeight);
      } catch (err) {
        if (err instanceof BloomLie) {
          this.log.warn(`${peer.label} lied (${err.code}): ${err.message}`);
          this.emit('liar', peer.label, `${err.code}: ${err.message}`);
          peer.misbehaving(err.code, err.message);
        } else this.log.info(`bloom scan interrupted: ${errorMessage(err)}`);
        if (this.bloomPeers.length === 0) throw err;
        fromHeight = this.resumeFrom ?? fromHeight;
      }
    }
  }

  private resumeFrom: number | undefined;

  private async scanWith(peer: BitcoinPeer, fromHeight: number): Promise<number> {
    const tip = this.chain.height;
    for (let start = fromHeight; start <= tip; start += FILTERED_BLOCKS_PER_BATCH) {
      const stop = Math.min(tip, start + FILTERED_BLOCKS_PER_BATCH - 1);
      const items = [];
      for (let h = start; h <= stop; h++) items.push({ type: MSG_FILTERED_BLOCK, hash: this.chain.hashAt(h) });
      const nonce = randomBytes(8).readBigUInt64LE(0) | 1n;
      // merkleblock, its matched txs, ..., then our pong: everything the peer sent in between.
      const replies = await this.requests.ask(
        peer,
        [{ command: 'getdata', items }, { command: 'ping', nonce }],
        (m): Message | undefined => (m.command === 'merkleblock' || m.command === 'tx' || m.command === 'notfound' || (m.command === 'pong' && m.nonce === nonce) ? m : undefined),
        (got) => got[got.length - 1]?.command === 'pong',
        `filtered blocks ${start}..${stop}`,
      );
      this.apply(peer, start, stop, replies);
      this.resumeFrom = stop + 1;
      this.target.scanned(stop);
      this.emit('progress', { height: stop, tip, matched: this.matched });
    }
    return tip;
  }

  private apply(peer: BitcoinPeer, start: number, stop: number, replies: Message[]): void {
    let expect = start;
    let current: { height: number; want: Uint8Array[]; txs: Map<string, Tx>; block: MerkleBlockMessage } | undefined;
    const finish = (): void => {
      if (!current) return;
      const c = current;
      const missing = c.want.filter((id) => !c.txs.has(hashToDisplay(id)));
      if (missing.length) throw new BloomLie('missing_tx', `merkleblock ${c.height} matched ${missing.length} tx(s) it did not send`);
      if (c.want.length) this.matched++;
      this.target.applyTxs(c.height, blockHash(c.block.header), c.want.map((id) => c.txs.get(hashToDisplay(id)) as Tx));
      current = undefined;
    };
    for (const m of replies) {
      if (m.command === 'merkleblock') {
        finish();
        const hash = blockHash(m.header);
        if (expect > stop || !bytesEqual(hash, this.chain.hashAt(expect))) throw new BloomLie('unrequested_merkleblock', `merkleblock ${hashToDisplay(hash)} where block ${expect} was due`);
        let matches;
        try {
          matches = verifyMerkleBlock(m);
        } catch (err) {
          throw new BloomLie('bad_merkleblock', `block ${expect}: ${errorMessage(err)}`);
        }
        current = { height: expect, want: matches.map((x) => x.txid), txs: new Map(), block: m };
        expect++;
      } else if (m.command === 'tx') {
        const id = hashToDisplay(m.tx.txid);
        if (current && current.want.some((w) => bytesEqual(w, m.tx.txid))) current.txs.set(id, m.tx);
      } else if (m.command === 'notfound') {
        throw new Error(`${peer.label} does not have some of the requested blocks (notfound)`);
      }
    }
    finish();
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
