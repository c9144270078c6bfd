// The block chain a local peer serves (`spv serve --generate N --pay/--spend ...`): regtest blocks
// with BIP34 coinbases, payments to and spends from chosen scripts (unsigned: dummy scriptSigs and
// witnesses), real merkle roots and proof of work, and per block its BIP158 basic filter and BIP157
// filter header. Deterministic by seed; it grows (`mine`, `extend`) and forks (`fork`: a longer branch).
import { formatBtc } from '../wallet/wallet.js';
import type { NetworkParams } from '../params/networks.js';
import { UsageError } from '../util/errors.js';
import { bytesEqual, concatBytes, fromHex, hashToDisplay, toHex } from '../util/bytes.js';
import { sha256 } from '../util/hash.js';
import { ChainBuilder, GENERATE_DEFAULT_SPACING_S } from '../chain/generate.js';
import { HeaderChain } from '../chain/header-chain.js';
import { headerTime, MAX_HEADERS_PER_MSG } from '../chain/header.js';
import { type Block, decodeBlock, headerMerkleRoot, makeBlock } from '../tx/block.js';
import { coinbaseTx, p2wpkhScript, spendTx, witnessCommitment } from '../tx/builder.js';
import { merkleRoot } from '../tx/merkle.js';
import { hasWitness, type OutPoint, type Tx, type TxOut } from '../tx/tx.js';
import { basicFilterElements, buildBasicFilter } from '../filters/basic.js';
import { filterHash, filterHeader, GENESIS_PREVIOUS_FILTER_HEADER } from '../filters/headers.js';
import { encodeAddress } from '../wallet/address.js';

export const COIN_SATS = 100_000_000n;
/** Core GetBlockSubsidy before any halving: 50 BTC. (Regtest halves every 150 blocks; the local
 * chain keeps paying 50 BTC: nothing an SPV client checks depends on the subsidy.) */
export const LOCAL_SUBSIDY_SATS = 50n * COIN_SATS;
/** Fee each generated payment, spend and filler transaction pays, sats (arbitrary, "1 sat/vB"-ish). */
export const LOCAL_TX_FEE_SATS = 1_000n;
/** Core consensus/consensus.h COINBASE_MATURITY: `pay` prefers coinbases at least this deep. */
export const COINBASE_MATURITY = 100;
/** Seconds between block timestamps, as chain/generate.ts (keeps 10,000s of blocks in the past). */
export const LOCAL_BLOCK_SPACING_S = GENERATE_DEFAULT_SPACING_S;
/** Value of each filler ("someone else's") output, sats. */
export const FILLER_OUTPUT_SATS = 1_000n;
/** At most this many filler outputs per block (keeps a block far below 4 MB). */
export const MAX_FILLER_OUTPUTS = 20_000;
/** Core consensus/amount.h MAX_MONEY. */
const MAX_MONEY_SATS = 21_000_000n * COIN_SATS;

/**
 * The coinbase of the mainnet/testnet3/signet/regtest genesis block (Core chainparams.cpp
 * CreateGenesisBlock; shared/reference/vectors/chainparams.json `coinbase_tx_hex`).
 */
const GENESIS_COINBASE_HEX =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';

export type LocalChainErrorCode =
  /** The chain mines real proof of work: only practical on regtest. */
  | 'not_regtest'
  /** A payment height below 1, already mined, or beyond what is generated. */
  | 'bad_height'
  /** An amount that is not a positive number of satoshis up to 21 million BTC. */
  | 'bad_amount'
  /** The miner (pay) or the script (spend) does not hold enough at that height. */
  | 'insufficient_funds'
  /** A fork that is not longer than the branch it replaces, or starts outside the chain. */
  | 'bad_fork';

/** Bad input to the local chain (from `spv serve` options or a test): a usage error, exit code 2. */
export class LocalChainError extends UsageError {
  declare readonly code: LocalChainErrorCode;
  constructor(code: LocalChainErrorCode, message: string) {
    super(code, message);
  }
}

export type PaymentKind = 'pay' | 'spend';

/**
 * `pay`: a transaction in block `height` spending the miner's coins (oldest mature coinbases
 * first) and paying `amount` to `script`, change to the miner. `spend`: a transaction in block
 * `height` spending `script`'s coins (oldest first) and paying `amount` to an outside script
 * (`LocalBlockChain.payeeScript`), change back to `script`. Each pays LOCAL_TX_FEE_SATS.
 */
export interface PaymentRequest {
  readonly kind: PaymentKind;
  readonly script: Uint8Array;
  readonly amount: bigint;
  readonly height: number;
}

/** A payment as made on the active chain. */
export interface PaymentMade extends PaymentRequest {
  readonly txid: Uint8Array;
  readonly blockHash: Uint8Array;
}

/** An output the chain tracks (miner, paid scripts, change; filler outputs are not tracked). */
export interface Coin {
  readonly outpoint: OutPoint;
  readonly script: Uint8Array;
  readonly value: bigint;
  /** Height and position of the transaction that created it. */
  readonly height: number;
  readonly txIndex: number;
  readonly coinbase: boolean;
}

export interface LocalBlock {
  readonly height: number;
  /** Wire order. */
  readonly hash: Uint8Array;
  /** Display order. */
  readonly hashHex: string;
  /** The 80-byte header (a view of the block's bytes). */
  readonly header: Uint8Array;
  /** The block; its raw bytes are the BIP144 (witness) serialization when any tx has a witness.
   * (Blocks over KEEP_PARSED_MAX_BYTES are parsed anew on each read: keep the result if reused.) */
  readonly block: Block;
  /** The block this one builds on (undefined for genesis). */
  readonly prev: LocalBlock | undefined;
  /** The coins each transaction spends, by transaction index (empty for the coinbase). */
  readonly spent: readonly (readonly Coin[])[];
  /** BIP158 basic filter, its SHA256d, and the BIP157 filter header (all wire order). */
  readonly filter: Uint8Array;
  readonly filterHash: Uint8Array;
  readonly filterHeader: Uint8Array;
  /** The payments and spends made in this block. */
  readonly payments: readonly PaymentMade[];
}

/** One transaction of the active chain touching a script: what `spv watch` should find. */
export interface ScriptActivity {
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly txid: Uint8Array;
  readonly txIndex: number;
  /** Sum of the tx's outputs paying the script, sats. */
  readonly received: bigint;
  /** Sum of the script's coins the tx spends, sats. */
  readonly sent: bigint;
}

export interface LocalBlockChainOptions {
  /** Seed of the miner, payee and filler scripts (same seed, same chain). Default 1. */
  seed?: number | string;
  /**
   * Outputs to pseudo-random scripts added to every block by one extra transaction (bigger, more
   * realistic filters and blocks for benchmarks). Default 0.
   */
  fillerOutputs?: number;
}

export interface GenerateLocalChainOptions extends LocalBlockChainOptions {
  /** Blocks on top of genesis. */
  blocks: number;
  /** Payments and spends; heights 1..blocks. */
  payments?: readonly PaymentRequest[];
}

export interface ForkOptions {
  /** Blocks of the new branch, above the fork height. Default: one more than the branch it replaces. */
  blocks?: number;
  /** Payments and spends made on the new branch (heights above the fork height). */
  payments?: readonly PaymentRequest[];
  /** Make the replaced branch's payments again, at the same heights, on the new branch. Default false
   * (the new branch drops them). */
  replay?: boolean;
}

export interface ForkResult {
  /** Last height both branches share. */
  readonly forkHeight: number;
  readonly oldTip: LocalBlock;
  readonly newTip: LocalBlock;
  /** The replaced blocks, lowest first (still served by hash, as Core serves recent stale blocks). */
  readonly disconnected: readonly LocalBlock[];
}

function seedText(seed: number | string | undefined): string {
  return String(seed ?? 1);
}

/** A P2WPKH script whose "key hash" is derived from `label` (nobody has a key for it). */
function derivedScript(label: string): Uint8Array {
  return p2wpkhScript(sha256(new TextEncoder().encode(label)).subarray(0, 20));
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function coinKey(p: OutPoint): string {
  return `${toHex(p.txid)}:${p.vout}`;
}

function olderFirst(a: Coin, b: Coin): number {
  return a.height - b.height || a.txIndex - b.txIndex || a.outpoint.vout - b.outpoint.vout;
}

/** "0.5 BTC" style text of an amount in satoshis. */
export { formatBtc };

/** The genesis block (header from params + Core's genesis coinbase); throws for networks with
 * another genesis coinbase (testnet4). */
export function genesisBlock(params: NetworkParams): Block {
  const header = fromHex(params.genesis.headerHex);
  const block = decodeBlock(concatBytes([header, Uint8Array.of(1), fromHex(GENESIS_COINBASE_HEX)]));
  if (!bytesEqual(merkleRoot([block.txs[0]!.txid]).root, headerMerkleRoot(header))) {
    throw new LocalChainError('not_regtest', `${params.name}'s genesis block has a coinbase of its own; the local chain only knows Core's original one`);
  }
  return block;
}

/** The distinct BIP158 basic-filter elements of a block whose inputs spend `spent`. */
function elementsOf(block: Block, spent: readonly (readonly Coin[])[]): Uint8Array[] {
  const outputs: Uint8Array[] = [];
  for (const tx of block.txs) for (const o of tx.outputs) outputs.push(o.scriptPubKey);
  const prevouts: Uint8Array[] = [];
  for (const coins of spent) for (const c of coins) prevouts.push(c.script);
  return basicFilterElements(outputs, prevouts);
}

/** Blocks bigger than this are kept as bytes only and parsed when read (a parsed output costs
 * ~250 bytes of heap: 10,000 blocks of 100 filler outputs would hold ~300 MB parsed, ~40 MB not). */
export const KEEP_PARSED_MAX_BYTES = 1_000;

class StoredBlock implements LocalBlock {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly header: Uint8Array;
  readonly filter: Uint8Array;
  readonly filterHash: Uint8Array;
  readonly filterHeader: Uint8Array;
  private readonly parsed: Block | undefined;
  private readonly raw: Uint8Array;

  constructor(
    block: Block,
    readonly height: number,
    readonly prev: LocalBlock | undefined,
    readonly spent: readonly (readonly Coin[])[],
    readonly payments: readonly PaymentMade[],
  ) {
    this.hash = block.hash;
    this.hashHex = hashToDisplay(block.hash);
    this.filter = buildBasicFilter(block.hash, elementsOf(block, spent));
    this.filterHash = filterHash(this.filter);
    this.filterHeader = filterHeader(this.filterHash, prev ? prev.filterHeader : GENESIS_PREVIOUS_FILTER_HEADER);
    this.raw = block.raw;
    this.header = block.raw.subarray(0, 80);
    this.parsed = block.raw.length <= KEEP_PARSED_MAX_BYTES ? block : undefined;
  }

  get block(): Block {
    return this.parsed ?? decodeBlock(this.raw);
  }
}

function makeLocalBlock(block: Block, height: number, prev: LocalBlock | undefined, spent: readonly (readonly Coin[])[], payments: readonly PaymentMade[] = []): LocalBlock {
  return new StoredBlock(block, height, prev, spent, payments);
}

interface BuiltTx {
  readonly tx: Tx;
  readonly coins: readonly Coin[];
  readonly fee: bigint;
}

export class LocalBlockChain {
  readonly params: NetworkParams;
  /** The validated header chain of the active branch (what HeaderServer serves). */
  readonly headers: HeaderChain;
  /** Receives coinbases and the change of `pay`. */
  readonly minerScript: Uint8Array;
  /** Where `spend` sends its amount. */
  readonly payeeScript: Uint8Array;
  /** Holds the change of the filler transactions. */
  readonly fillerScript: Uint8Array;
  readonly fillerOutputs: number;
  private readonly seed: string;
  private readonly seedNum: number;
  private readonly active: LocalBlock[] = [];
  private readonly byHash = new Map<string, LocalBlock>();
  private readonly coins = new Map<string, Coin>();
  private readonly coinsByScript = new Map<string, Map<string, Coin>>();
  /** Height of every transaction of the active chain, by txid (hex, wire order). */
  private readonly txHeights = new Map<string, number>();
  private readonly planned = new Map<number, PaymentRequest[]>();
  private made: PaymentMade[] = [];
  private builder: ChainBuilder;
  private branch = 0;
  private changes = 0;

  /** `blocks` blocks on top of genesis with the given payments (the usual way to make one). */
  static generate(params: NetworkParams, opts: GenerateLocalChainOptions): LocalBlockChain {
    const { blocks } = opts;
    if (!Number.isSafeInteger(blocks) || blocks < 0) throw new LocalChainError('bad_height', `cannot generate ${blocks} blocks: a whole number from 0`);
    const chain = new LocalBlockChain(params, opts, blocks + 1);
    for (const p of opts.payments ?? []) {
      if (p.height > blocks) throw new LocalChainError('bad_height', `${p.kind} at height ${p.height} is above the generated chain's tip (${blocks})`);
      chain.plan(p);
    }
    chain.extend(blocks);
    return chain;
  }

  /** A chain holding genesis only; grow it with `extend` / `mine`. */
  constructor(params: NetworkParams, opts: LocalBlockChainOptions = {}, expectedBlocks = 1) {
    if (!params.noRetargeting) throw new LocalChainError('not_regtest', 'the local block chain mines real proof of work and is only practical on regtest');
    const filler = opts.fillerOutputs ?? 0;
    if (!Number.isSafeInteger(filler) || filler < 0 || filler > MAX_FILLER_OUTPUTS) throw new LocalChainError('bad_amount', `filler outputs per block: a whole number 0..${MAX_FILLER_OUTPUTS}, got ${filler}`);
    this.params = params;
    this.fillerOutputs = filler;
    this.seed = seedText(opts.seed);
    const seedHash = sha256(new TextEncoder().encode(this.seed));
    this.seedNum = mix32((seedHash[0]! | (seedHash[1]! << 8) | (seedHash[2]! << 16) | (seedHash[3]! << 24)) >>> 0);
    this.minerScript = derivedScript(`spv-local-miner:${this.seed}`);
    this.payeeScript = derivedScript(`spv-local-payee:${this.seed}`);
    this.fillerScript = derivedScript(`spv-local-filler:${this.seed}`);
    this.headers = new HeaderChain(params, { expectedHeaders: expectedBlocks });
    this.builder = new ChainBuilder(params, { seed: this.seed, spacing: LOCAL_BLOCK_SPACING_S });
    const genesis = makeLocalBlock(genesisBlock(params), 0, undefined, [[]]);
    if (genesis.hashHex !== params.genesis.hash) throw new Error(`genesis hash ${genesis.hashHex} is not ${params.genesis.hash}`);
    this.active.push(genesis);
    this.byHash.set(toHex(genesis.hash), genesis);
  }

  // --- reading ------------------------------------------------------------------------------

  get height(): number {
    return this.active.length - 1;
  }

  get tip(): LocalBlock {
    return this.active[this.active.length - 1]!;
  }

  /** Counts every change (new block, fork): lets servers cache what they derive from the chain. */
  get version(): number {
    return this.changes;
  }

  /** The active chain's block at `height` (RangeError outside 0..height). */
  blockAt(height: number): LocalBlock {
    const b = this.active[height];
    if (b === undefined || !Number.isInteger(height)) throw new RangeError(`no block at height ${height} (tip ${this.height})`);
    return b;
  }

  /** Any block we made, on the active chain or a replaced branch (wire-order hash). */
  blockByHash(hash: Uint8Array): LocalBlock | undefined {
    return hash.length === 32 ? this.byHash.get(toHex(hash)) : undefined;
  }

  isActive(block: LocalBlock): boolean {
    return this.active[block.height] === block;
  }

  /** The ancestor of `block` at `height` (the block itself at its own height). */
  ancestor(block: LocalBlock, height: number): LocalBlock {
    if (!Number.isInteger(height) || height < 0 || height > block.height) throw new RangeError(`no ancestor at height ${height} of block ${block.height}`);
    let b = block;
    while (b.height > height) {
      if (this.isActive(b)) return this.active[height]!;
      b = b.prev!;
    }
    return b;
  }

  /** The distinct scripts in a block's BIP158 basic filter (outputs except OP_RETURN/empty, plus
   * the scripts its inputs spend). */
  filterElementsOf(block: LocalBlock): Uint8Array[] {
    return elementsOf(block.block, block.spent);
  }

  /** Payments and spends made on the active chain, in height order. */
  get payments(): readonly PaymentMade[] {
    return this.made;
  }

  /** Payments and spends planned above the tip. */
  get pendingPayments(): PaymentRequest[] {
    return [...this.planned.keys()].sort((a, b) => a - b).flatMap((h) => this.planned.get(h)!);
  }

  /** The unspent coin at `outpoint` (filler outputs are not tracked). */
  coinAt(outpoint: OutPoint): Coin | undefined {
    return this.coins.get(coinKey(outpoint));
  }

  /** Height of a transaction of the active chain (wire-order txid), if it is one. */
  txHeight(txid: Uint8Array): number | undefined {
    return this.txHeights.get(toHex(txid));
  }

  /** Unspent coins of `script`, oldest first. */
  unspentOf(script: Uint8Array): Coin[] {
    return [...(this.coinsByScript.get(toHex(script))?.values() ?? [])].sort(olderFirst);
  }

  balanceOf(script: Uint8Array): bigint {
    let sum = 0n;
    for (const c of this.coinsByScript.get(toHex(script))?.values() ?? []) sum += c.value;
    return sum;
  }

  /** Every transaction of the active chain paying to or spending from `script`, in chain order. */
  historyOf(script: Uint8Array): ScriptActivity[] {
    const out: ScriptActivity[] = [];
    for (const b of this.active) {
      const txs = b.block.txs;
      txs.forEach((tx, i) => {
        let received = 0n;
        let sent = 0n;
        for (const o of tx.outputs) if (bytesEqual(o.scriptPubKey, script)) received += o.value;
        for (const c of b.spent[i] ?? []) if (bytesEqual(c.script, script)) sent += c.value;
        if (received > 0n || sent > 0n) {
          out.push({ height: b.height, blockHash: b.hash, txid: tx.txid, txIndex: i, received, sent });
        }
      });
    }
    return out;
  }

  // --- growing ------------------------------------------------------------------------------

  /** Plans a payment to `script` in block `height` (above the tip; see PaymentRequest). */
  pay(script: Uint8Array, amount: bigint | number, height: number): void {
    this.plan({ kind: 'pay', script, amount: toSats(amount), height });
  }

  /** Plans a spend from `script` in block `height` (above the tip; see PaymentRequest). */
  spend(script: Uint8Array, amount: bigint | number, height: number): void {
    this.plan({ kind: 'spend', script, amount: toSats(amount), height });
  }

  /** Adds a payment or spend to the plan (made when block `height` is mined). */
  plan(p: PaymentRequest): void {
    if (!Number.isSafeInteger(p.height) || p.height < 1) throw new LocalChainError('bad_height', `${p.kind} height ${p.height}: a block height from 1`);
    if (p.height <= this.height) throw new LocalChainError('bad_height', `${p.kind} at height ${p.height}: that block is already mined (tip ${this.height}); fork() to change history`);
    checkAmount(p.amount);
    const list = this.planned.get(p.height) ?? [];
    list.push({ kind: p.kind, script: Uint8Array.from(p.script), amount: p.amount, height: p.height });
    this.planned.set(p.height, list);
  }

  /** Mines `n` blocks (making planned payments); returns the new height. If a planned payment
   * cannot be made, the blocks before it stay mined and the error is thrown. */
  extend(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new LocalChainError('bad_height', `cannot mine ${n} blocks`);
    const from = this.height + 1;
    try {
      for (let i = 0; i < n; i++) this.buildNext([]);
    } finally {
      this.acceptHeaders(from);
    }
    return this.height;
  }

  /** Mines one block with the planned payments for its height plus `payments`, then `txs` (as
   * given, in order: e.g. a mempool's; their inputs are looked up among the chain's coins). */
  mine(payments: readonly Omit<PaymentRequest, 'height'>[] = [], txs: readonly Tx[] = []): LocalBlock {
    const height = this.height + 1;
    const extra = payments.map((p) => {
      checkAmount(p.amount);
      return { kind: p.kind, script: Uint8Array.from(p.script), amount: p.amount, height };
    });
    const b = this.buildNext(extra, txs);
    this.acceptHeaders(height);
    return b;
  }

  /**
   * Replaces the blocks above `height` with a new, longer branch (so clients reorganise to it):
   * payments of the old branch are dropped unless `replay`; `payments` are made on the new one.
   * If the new branch cannot be built (a payment without funds), the chain is left as it was.
   */
  fork(height: number, opts: ForkOptions = {}): ForkResult {
    const oldTip = this.tip;
    if (!Number.isSafeInteger(height) || height < 0 || height >= oldTip.height) {
      throw new LocalChainError('bad_fork', `fork height ${height}: must be below the tip (${oldTip.height})`);
    }
    const blocks = opts.blocks ?? oldTip.height - height + 1;
    if (!Number.isSafeInteger(blocks) || blocks <= oldTip.height - height) {
      throw new LocalChainError('bad_fork', `a fork at ${height} needs more than ${oldTip.height - height} blocks to replace the tip, got ${blocks}`);
    }
    for (const p of opts.payments ?? []) {
      if (!Number.isSafeInteger(p.height) || p.height <= height || p.height > height + blocks) {
        throw new LocalChainError('bad_height', `${p.kind} at height ${p.height}: the new branch holds heights ${height + 1}..${height + blocks}`);
      }
      checkAmount(p.amount);
    }
    const savedPlan = new Map<number, PaymentRequest[]>([...this.planned].map(([h, list]) => [h, [...list]]));
    const savedBuilder = this.builder;
    const disconnected = this.active.slice(height + 1);
    this.disconnectTo(height);
    this.builder = this.builder.fork(height);
    this.branch++;
    const replayed = opts.replay ? disconnected.flatMap((b) => b.payments.map(({ kind, script, amount, height: h }) => ({ kind, script, amount, height: h }))) : [];
    for (const p of [...replayed, ...(opts.payments ?? [])]) {
      const list = this.planned.get(p.height) ?? [];
      list.push({ kind: p.kind, script: Uint8Array.from(p.script), amount: p.amount, height: p.height });
      this.planned.set(p.height, list);
    }
    try {
      for (let i = 0; i < blocks; i++) this.buildNext([]);
    } catch (err) {
      // Put the old branch back (its headers never left the header chain).
      for (const b of this.active.slice(height + 1)) this.byHash.delete(toHex(b.hash));
      this.disconnectTo(height);
      for (const b of disconnected) this.connect(b);
      this.planned.clear();
      for (const [h, list] of savedPlan) this.planned.set(h, list);
      this.builder = savedBuilder;
      throw err;
    }
    this.acceptHeaders(height + 1);
    if (this.headers.tip.hashHex !== this.tip.hashHex) throw new Error(`header chain did not reorganise to the fork (tip ${this.headers.tip.hashHex})`);
    return { forkHeight: height, oldTip, newTip: this.tip, disconnected };
  }

  // --- internals ----------------------------------------------------------------------------

  /** Gives the headers of active blocks from `from` to the tip to the header chain. */
  private acceptHeaders(from: number): void {
    const now = Math.floor(Date.now() / 1000);
    for (let h = from; h <= this.height; h += MAX_HEADERS_PER_MSG) {
      const batch = this.active.slice(h, Math.min(this.height + 1, h + MAX_HEADERS_PER_MSG)).map((b) => b.header);
      const r = this.headers.acceptHeaders(batch, now);
      if (r.error) throw new Error(`local header chain refused a generated header: ${r.error.error.message}`);
    }
  }

  /** Undoes the active blocks above `height` (they stay known by hash). */
  private disconnectTo(height: number): void {
    for (let h = this.height; h > height; h--) {
      const b = this.active[h]!;
      const txs = b.block.txs;
      for (let i = txs.length - 1; i >= 0; i--) this.undoTx(txs[i]!, b.spent[i]!);
    }
    this.active.length = height + 1;
    this.made = this.made.filter((p) => p.height <= height);
    this.changes++;
  }

  /** Connects a block built on the current tip: spends its coins, adds its outputs. */
  private connect(b: LocalBlock): void {
    b.block.txs.forEach((tx, i) => this.applyTx(tx, b.spent[i]!, b.height, i));
    this.active.push(b);
    this.byHash.set(toHex(b.hash), b);
    this.made.push(...b.payments);
    this.changes++;
  }

  private addCoin(c: Coin): void {
    const k = coinKey(c.outpoint);
    this.coins.set(k, c);
    const sk = toHex(c.script);
    let m = this.coinsByScript.get(sk);
    if (!m) this.coinsByScript.set(sk, (m = new Map()));
    m.set(k, c);
  }

  private removeCoin(p: OutPoint, script: Uint8Array): void {
    const k = coinKey(p);
    this.coins.delete(k);
    const sk = toHex(script);
    const m = this.coinsByScript.get(sk);
    if (!m) return;
    m.delete(k);
    if (m.size === 0) this.coinsByScript.delete(sk);
  }

  /** A filler transaction's outputs are not tracked, except its change (the last output). */
  private isFillerTx(tx: Tx): boolean {
    const last = tx.outputs[tx.outputs.length - 1];
    return this.fillerOutputs > 0 && last !== undefined && bytesEqual(last.scriptPubKey, this.fillerScript);
  }

  private applyTx(tx: Tx, spent: readonly Coin[], height: number, txIndex: number): void {
    this.txHeights.set(toHex(tx.txid), height);
    for (const c of spent) this.removeCoin(c.outpoint, c.script);
    const coinbase = txIndex === 0;
    const first = this.isFillerTx(tx) ? tx.outputs.length - 1 : 0;
    for (let vout = first; vout < tx.outputs.length; vout++) {
      const o = tx.outputs[vout]!;
      this.addCoin({ outpoint: { txid: tx.txid, vout }, script: o.scriptPubKey, value: o.value, height, txIndex, coinbase });
    }
  }

  private undoTx(tx: Tx, spent: readonly Coin[]): void {
    this.txHeights.delete(toHex(tx.txid));
    const first = this.isFillerTx(tx) ? tx.outputs.length - 1 : 0;
    for (let vout = first; vout < tx.outputs.length; vout++) this.removeCoin({ txid: tx.txid, vout }, tx.outputs[vout]!.scriptPubKey);
    for (const c of spent) this.addCoin(c);
  }

  private describe(script: Uint8Array): string {
    try {
      return encodeAddress(script, this.params);
    } catch {
      return `script ${toHex(script)}`;
    }
  }

  /** Picks coins (in the given order) until they cover `need`; undefined if they cannot. */
  private static pick(coins: readonly Coin[], need: bigint): { picked: Coin[]; total: bigint } | undefined {
    const picked: Coin[] = [];
    let total = 0n;
    for (const c of coins) {
      if (total >= need) break;
      picked.push(c);
      total += c.value;
    }
    return total >= need ? { picked, total } : undefined;
  }

  private payTx(r: PaymentRequest, height: number): BuiltTx {
    const mature = (c: Coin): boolean => c.coinbase && height - c.height >= COINBASE_MATURITY;
    const candidates = this.unspentOf(this.minerScript).sort((a, b) => Number(mature(b)) - Number(mature(a)) || olderFirst(a, b));
    const need = r.amount + LOCAL_TX_FEE_SATS;
    const got = LocalBlockChain.pick(candidates, need);
    if (!got) {
      const have = candidates.reduce((s, c) => s + c.value, 0n);
      const hint = height <= 1 ? ' (the first coinbase is mined at height 1: pay from height 2 on)' : '';
      throw new LocalChainError('insufficient_funds', `cannot pay ${formatBtc(r.amount)} to ${this.describe(r.script)} at height ${height}: the local miner has ${formatBtc(have)} to spend there${hint}`);
    }
    const outputs: TxOut[] = [{ value: r.amount, scriptPubKey: r.script }];
    const change = got.total - need;
    if (change > 0n) outputs.push({ value: change, scriptPubKey: this.minerScript });
    const tx = spendTx({ spends: got.picked.map((c) => ({ prevout: c.outpoint, spentScript: c.script })), outputs });
    return { tx, coins: got.picked, fee: LOCAL_TX_FEE_SATS };
  }

  private spendTx(r: PaymentRequest, height: number): BuiltTx {
    const coins = this.unspentOf(r.script);
    const need = r.amount + LOCAL_TX_FEE_SATS;
    const got = LocalBlockChain.pick(coins, need);
    if (!got) {
      const have = coins.reduce((s, c) => s + c.value, 0n);
      throw new LocalChainError(
        'insufficient_funds',
        `cannot spend ${formatBtc(r.amount)} (+ ${LOCAL_TX_FEE_SATS} sat fee) from ${this.describe(r.script)} at height ${height}: it holds ${formatBtc(have)} there`,
      );
    }
    const outputs: TxOut[] = [{ value: r.amount, scriptPubKey: this.payeeScript }];
    const change = got.total - need;
    if (change > 0n) outputs.push({ value: change, scriptPubKey: r.script });
    const tx = spendTx({ spends: got.picked.map((c) => ({ prevout: c.outpoint, spentScript: c.script })), outputs });
    return { tx, coins: got.picked, fee: LOCAL_TX_FEE_SATS };
  }

  /** One transaction paying `fillerOutputs` pseudo-random scripts, spending the last filler
   * change (or, when there is none or it ran dry, a miner coin). */
  private fillerTx(height: number): BuiltTx | undefined {
    const k = this.fillerOutputs;
    if (k === 0) return undefined;
    const need = BigInt(k) * FILLER_OUTPUT_SATS + LOCAL_TX_FEE_SATS;
    const own = this.unspentOf(this.fillerScript).filter((c) => c.value >= need);
    const source = own[own.length - 1] ?? this.unspentOf(this.minerScript).find((c) => c.value >= need && c.height < height);
    if (!source) return undefined; // height 1: nothing mined yet to fund it
    const outputs: TxOut[] = [];
    let x = mix32(this.seedNum ^ Math.imul(height, 0x9e3779b9) ^ Math.imul(this.branch + 1, 0x85ebca6b));
    for (let i = 0; i < k; i++) {
      const script = new Uint8Array(22);
      script[1] = 20; // OP_0 <20 bytes>: P2WPKH
      for (let j = 2; j < 22; j += 4) {
        x = mix32(x + 0x6d2b79f5);
        script[j] = x & 0xff;
        script[j + 1] = (x >>> 8) & 0xff;
        script[j + 2] = (x >>> 16) & 0xff;
        script[j + 3] = (x >>> 24) & 0xff;
      }
      outputs.push({ value: FILLER_OUTPUT_SATS, scriptPubKey: script });
    }
    const change = source.value - need;
    outputs.push({ value: change, scriptPubKey: this.fillerScript });
    const tx = spendTx({ spends: [{ prevout: source.outpoint, spentScript: source.script }], outputs });
    return { tx, coins: [source], fee: LOCAL_TX_FEE_SATS };
  }

  /** Builds, mines and connects the next block (header chain not updated: callers batch that). */
  private buildNext(extra: readonly PaymentRequest[], given: readonly Tx[] = []): LocalBlock {
    const height = this.active.length;
    const prev = this.tip;
    const requests = [...(this.planned.get(height) ?? []), ...extra];
    const built: BuiltTx[] = [];
    try {
      for (const r of requests) {
        const b = r.kind === 'pay' ? this.payTx(r, height) : this.spendTx(r, height);
        this.applyTx(b.tx, b.coins, height, built.length + 1);
        built.push(b);
      }
      for (const tx of given) {
        // Coins the chain tracks are spent; unknown inputs (filler outputs, outside coins) are
        // taken as they are: the SPV client checks merkle roots, not inputs.
        const coins = tx.inputs.map((i) => this.coinAt(i.prevout)).filter((c): c is Coin => c !== undefined);
        const inputs = coins.reduce((s, c) => s + c.value, 0n);
        const outputs = tx.outputs.reduce((s, o) => s + o.value, 0n);
        const fee = coins.length === tx.inputs.length && inputs > outputs ? inputs - outputs : 0n;
        this.applyTx(tx, coins, height, built.length + 1);
        built.push({ tx, coins, fee });
      }
      const filler = this.fillerTx(height);
      if (filler) {
        this.applyTx(filler.tx, filler.coins, height, built.length + 1);
        built.push(filler);
      }
    } catch (err) {
      for (let i = built.length - 1; i >= 0; i--) this.undoTx(built[i]!.tx, built[i]!.coins);
      throw err;
    }
    const others = built.map((b) => b.tx);
    const fees = built.reduce((s, b) => s + b.fee, 0n);
    const coinbase = coinbaseTx({
      height,
      outputs: [{ value: LOCAL_SUBSIDY_SATS + fees, scriptPubKey: this.minerScript }],
      // Coinbases of a replacing branch differ from the replaced ones (else equal txids).
      extraNonce: this.branch > 0 ? u32le(this.branch) : undefined,
      witnessCommitment: others.some(hasWitness) ? witnessCommitment(others) : undefined,
    });
    this.applyTx(coinbase, [], height, 0);
    const txs = [coinbase, ...others];
    const header = this.builder.next({ merkleRoot: merkleRoot(txs.map((t) => t.txid)).root, time: headerTime(prev.header) + LOCAL_BLOCK_SPACING_S });
    const block = makeBlock(header, txs);
    const payments: PaymentMade[] = requests.map((r, i) => ({ ...r, txid: built[i]!.tx.txid, blockHash: block.hash }));
    const local = makeLocalBlock(block, height, prev, [[], ...built.map((b) => b.coins)], payments);
    this.planned.delete(height);
    this.made.push(...payments);
    this.active.push(local);
    this.byHash.set(toHex(local.hash), local);
    this.changes++;
    return local;
  }
}

function toSats(amount: bigint | number): bigint {
  if (typeof amount === 'number') {
    if (!Number.isSafeInteger(amount)) throw new LocalChainError('bad_amount', `amount ${amount}: a whole number of satoshis`);
    return BigInt(amount);
  }
  return amount;
}

function checkAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount <= 0n || amount > MAX_MONEY_SATS) throw new LocalChainError('bad_amount', `amount ${String(amount)} sat: must be 1 sat .. 21,000,000 BTC`);
}
