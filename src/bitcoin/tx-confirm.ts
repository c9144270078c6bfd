// Following a broadcast transaction into the chain (`spv broadcast --wait-confirm N`): each new
// block's BIP158 filter (checked against the BIP157 filter-header chain) is matched against the
// transaction's output scripts, a matching block is fetched, its merkle root checked against
// the validated header, and its transactions searched for the txid; then headers are followed
// until the block is N deep. A reorg that removes the block starts the search again.
import { EventEmitter } from 'node:events';
import { bytesEqual, hashToDisplay } from '../util/bytes.js';
import { errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import type { HeaderChain } from '../chain/header-chain.js';
import type { Tx } from '../tx/tx.js';
import { FilterScanner } from './filter-scan.js';
import type { HeaderSync } from './header-sync.js';
import { PeerRequests } from './peer-requests.js';
import type { PeerService } from './protocol.js';

/** Blocks below the tip at start that are searched too (the transaction may be mined before
 * our header sync has caught up). */
export const CONFIRM_LOOKBACK_BLOCKS = 6;

export interface ConfirmationEvents {
  /** The transaction is in block `height` of the best chain. */
  found: [height: number, blockHash: string];
  /** It is `depth` blocks deep (the goal). */
  confirmed: [height: number, blockHash: string, confirmations: number];
  /** The block holding it left the best chain. */
  unconfirmed: [height: number];
  error: [err: Error];
}

export interface ConfirmationOptions {
  chain: HeaderChain;
  sync: HeaderSync;
  tx: Tx;
  /** Confirmations wanted (1 = in a block). */
  depth: number;
  log?: Log;
  requestTimeoutMs?: number;
}

export class ConfirmationWatch extends EventEmitter<ConfirmationEvents> {
  readonly services: PeerService[];
  private readonly scanner: FilterScanner;
  private readonly opts: ConfirmationOptions;
  private readonly log: Log;
  private scanned = -1;
  private found: { height: number; hash: string } | undefined;
  private done = false;
  private started = false;
  private scanning: Promise<void> = Promise.resolve();

  constructor(opts: ConfirmationOptions) {
    super();
    this.opts = opts;
    this.log = opts.log ?? silentLog;
    const scripts = opts.tx.outputs.map((o) => o.scriptPubKey).filter((s) => s.length > 0 && s[0] !== 0x6a);
    // BIP158 leaves OP_RETURN and empty scripts out of the filter: nothing to look for then.
    if (scripts.length === 0) throw new Error('the transaction has no output a compact filter holds (only OP_RETURN or empty scripts)');
    const requests = new PeerRequests(opts.requestTimeoutMs);
    this.scanner = new FilterScanner({
      chain: opts.chain,
      requests,
      log: this.log,
      filterBase: 0,
      filterHeaders: [],
      target: {
        scripts: () => scripts,
        applyBlock: (height, block) => {
          if (this.found || !block.txs.some((t) => bytesEqual(t.txid, opts.tx.txid))) return;
          this.found = { height, hash: hashToDisplay(block.hash) };
          this.log.info(`transaction ${hashToDisplay(opts.tx.txid)} found in block ${height}`);
          this.emit('found', height, this.found.hash);
        },
        scanned: (height) => {
          this.scanned = height;
        },
      },
    });
    this.services = [requests, this.scanner];
    opts.sync.on('tip', () => this.step());
    opts.sync.on('reorg', (r) => {
      if (r.forkHeight >= this.scanned) return;
      this.scanner.rewindTo(r.forkHeight);
      this.scanned = r.forkHeight;
      if (this.found && this.found.height > r.forkHeight) {
        this.log.warn(`the block holding the transaction (height ${this.found.height}) left the best chain`);
        this.emit('unconfirmed', this.found.height);
        this.found = undefined;
        this.done = false; // follow it again: it may be mined on the new branch
      }
    });
  }

  /** Start after the first header sync (searches from a few blocks below the tip). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.scanned = Math.max(-1, this.opts.chain.height - CONFIRM_LOOKBACK_BLOCKS);
    this.step();
  }

  get foundAt(): number | undefined {
    return this.found?.height;
  }

  private step(): void {
    if (!this.started || this.done) return;
    this.scanning = this.scanning.then(async () => {
      try {
        if (!this.found && this.scanned < this.opts.chain.height) await this.scanner.scan(this.scanned + 1);
      } catch (err) {
        this.log.warn(`searching blocks for the transaction failed: ${errorMessage(err)}`);
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.checkDepth();
    });
  }

  private checkDepth(): void {
    if (!this.found || this.done) return;
    const confirmations = this.opts.chain.height - this.found.height + 1;
    if (confirmations < this.opts.depth) return;
    this.done = true;
    this.emit('confirmed', this.found.height, this.found.hash, confirmations);
  }
}
