// The toy block: its JSON shape (wire-compatible with the tutorial), the ONE definition of its
// hash preimage, proof of work as leading zero bytes, the shared genesis block, and mining.
// Everything here is pure; SHA-256 is @noble/hashes.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../util/bytes.js';
import { ToyError } from './errors.js';

export interface ToyTransaction {
  readonly sender: string;
  readonly receiver: string;
  readonly amount: number;
}

/** Field names and order exactly as the tutorial's JSON. `hash` and `prev_hash` are 64 lowercase hex. */
export interface ToyBlock {
  readonly index: number;
  /** Unix time in seconds. */
  readonly timestamp: number;
  readonly nonce: number;
  readonly data: string;
  readonly prev_hash: string;
  readonly hash: string;
  readonly transactions: readonly ToyTransaction[];
}

export type ToyBlockTemplate = Omit<ToyBlock, 'hash'>;

/** The tutorial's proof of work: this many leading zero BYTES of the hash. */
export const DEFAULT_DIFFICULTY = 2;
/** 0 disables proof of work (tests only); above 6 a block takes hours to mine in JS. */
export const MAX_DIFFICULTY = 8;
/** `data` is typed text; 64 KiB of UTF-8 is plenty and keeps a block far below the 1 MiB line cap. */
export const MAX_DATA_BYTES = 64 * 1024;
export const MAX_TRANSACTIONS = 1000;
/** Per sender/receiver name, in UTF-16 code units. */
export const MAX_NAME_CHARS = 256;

const HASH_RE = /^[0-9a-f]{64}$/;
const BLOCK_KEYS = ['index', 'timestamp', 'nonce', 'data', 'prev_hash', 'hash', 'transactions'] as const;
const TX_KEYS = ['sender', 'receiver', 'amount'] as const;
const utf8 = new TextEncoder();

/**
 * THE hash preimage. The block hash is the lowercase hex of
 *   SHA-256( UTF-8( JSON.stringify({index, timestamp, nonce, data, prev_hash,
 *                                   transactions: [{sender, receiver, amount}, ...]}) ) )
 * i.e. compact JSON (no spaces), keys in exactly that order, every field except `hash`.
 * Example: {"index":1,"timestamp":1700000000,"nonce":42,"data":"hi","prev_hash":"00…","transactions":[]}
 */
export function hashPreimage(b: ToyBlockTemplate): string {
  return tutorialJson(b, undefined);
}

/** Compact JSON of the block's fields in the tutorial's key order; `hash` sits between
 * `prev_hash` and `transactions` when given and is left out (the preimage) when undefined. */
function tutorialJson(b: ToyBlockTemplate, hash: string | undefined): string {
  return JSON.stringify({
    index: b.index,
    timestamp: b.timestamp,
    nonce: b.nonce,
    data: b.data,
    prev_hash: b.prev_hash,
    ...(hash === undefined ? {} : { hash }),
    transactions: b.transactions.map((t) => ({ sender: t.sender, receiver: t.receiver, amount: t.amount })),
  });
}

export function computeBlockHash(b: ToyBlockTemplate): string {
  return toHex(sha256(utf8.encode(hashPreimage(b))));
}

/** Does this hex hash start with `difficulty` zero bytes? */
export function meetsDifficulty(hash: string, difficulty: number): boolean {
  for (let i = 0; i < difficulty * 2; i++) if (hash.charCodeAt(i) !== 48 /* '0' */) return false;
  return true;
}

/** Work of one block at this difficulty: 256^difficulty expected hashes. All blocks of a network
 * share one difficulty, so "most work" is "longest"; kept as a function to say so in one place. */
export function blockWork(difficulty: number): bigint {
  return 256n ** BigInt(difficulty);
}

function sealGenesis(): ToyBlock {
  const t: ToyBlockTemplate = {
    index: 0,
    timestamp: 1_700_000_000, // 2023-11-14T22:13:20Z, fixed so every node shares the block
    nonce: 0,
    data: 'Genesis block of the spv toy chain',
    prev_hash: '0'.repeat(64),
    transactions: [],
  };
  return Object.freeze({ ...t, hash: computeBlockHash(t) });
}

/** Shared by every node; not subject to proof of work (it is fixed, not mined). */
export const GENESIS_BLOCK: ToyBlock = sealGenesis();

/** The JSON text of a block, keys in the tutorial's order. */
export function blockToJson(b: ToyBlock): string {
  return tutorialJson(b, b.hash);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  for (const k of keys) if (!(k in o)) throw new ToyError('bad_shape', `${what}: missing field "${k}"`);
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw new ToyError('bad_shape', `${what}: unexpected field "${extra[0]!.slice(0, 40)}"`);
}

/** Check the JSON shape and types of a parsed block (not its hash, work or place in a chain). */
export function parseBlock(v: unknown): ToyBlock {
  if (!isObject(v)) throw new ToyError('bad_shape', 'block must be a JSON object');
  exactKeys(v, BLOCK_KEYS, 'block');
  if (!isCount(v.index)) throw new ToyError('bad_shape', 'block.index must be a non-negative integer');
  if (!isCount(v.timestamp)) throw new ToyError('bad_shape', 'block.timestamp must be a non-negative integer (Unix seconds)');
  if (!isCount(v.nonce)) throw new ToyError('bad_shape', 'block.nonce must be a non-negative integer');
  if (typeof v.data !== 'string') throw new ToyError('bad_shape', 'block.data must be a string');
  if (typeof v.prev_hash !== 'string' || !HASH_RE.test(v.prev_hash)) throw new ToyError('bad_shape', 'block.prev_hash must be 64 lowercase hex');
  if (typeof v.hash !== 'string' || !HASH_RE.test(v.hash)) throw new ToyError('bad_shape', 'block.hash must be 64 lowercase hex');
  if (!Array.isArray(v.transactions)) throw new ToyError('bad_shape', 'block.transactions must be an array');
  if (v.transactions.length > MAX_TRANSACTIONS) throw new ToyError('too_many_transactions', `more than ${MAX_TRANSACTIONS} transactions`);
  const transactions = v.transactions.map((t: unknown, i: number): ToyTransaction => {
    if (!isObject(t)) throw new ToyError('bad_shape', `transactions[${i}] must be an object`);
    exactKeys(t, TX_KEYS, `transactions[${i}]`);
    if (typeof t.sender !== 'string' || t.sender.length > MAX_NAME_CHARS) throw new ToyError('bad_shape', `transactions[${i}].sender must be a short string`);
    if (typeof t.receiver !== 'string' || t.receiver.length > MAX_NAME_CHARS) throw new ToyError('bad_shape', `transactions[${i}].receiver must be a short string`);
    if (typeof t.amount !== 'number' || !Number.isFinite(t.amount) || t.amount < 0) throw new ToyError('bad_shape', `transactions[${i}].amount must be a non-negative number`);
    return { sender: t.sender, receiver: t.receiver, amount: t.amount };
  });
  return { index: v.index, timestamp: v.timestamp, nonce: v.nonce, data: v.data, prev_hash: v.prev_hash, hash: v.hash, transactions };
}

/** Context-free checks: size of `data`, the hash recomputed from the preimage, proof of work. */
export function checkBlock(b: ToyBlock, difficulty: number): void {
  if (b.data.length > MAX_DATA_BYTES || utf8.encode(b.data).length > MAX_DATA_BYTES)
    throw new ToyError('data_too_large', `data is larger than ${MAX_DATA_BYTES} bytes`);
  const actual = computeBlockHash(b);
  if (actual !== b.hash) throw new ToyError('bad_hash', `hash ${b.hash.slice(0, 16)}… does not match its contents (${actual.slice(0, 16)}…)`);
  if (b.hash !== GENESIS_BLOCK.hash && !meetsDifficulty(b.hash, difficulty))
    throw new ToyError('bad_pow', `hash ${b.hash.slice(0, 16)}… has fewer than ${difficulty} leading zero bytes`);
}

/**
 * Proof-of-work search, resumable in slices so a node can keep serving peers while it mines.
 * The preimage is split around the nonce digits: the prefix is hashed once and its SHA-256
 * state cloned per attempt, which is what makes difficulty 2 (~65k attempts) take well under a second.
 */
export class BlockMiner {
  private readonly base;
  private readonly suffix: Uint8Array;
  private readonly digits = new Uint8Array(16);
  private nonce: number;
  attempts = 0;

  constructor(
    private readonly template: ToyBlockTemplate,
    private readonly difficulty: number,
  ) {
    const pre = hashPreimage({ ...template, nonce: 0 });
    const marker = '"nonce":0,';
    const at = pre.indexOf(marker) + marker.length - 2; // index of the "0"
    this.base = sha256.create().update(utf8.encode(pre.slice(0, at)));
    this.suffix = utf8.encode(pre.slice(at + 1));
    this.nonce = template.nonce;
  }

  /** Try up to `maxAttempts` nonces; the sealed block when one meets the difficulty. */
  search(maxAttempts: number): ToyBlock | undefined {
    const d = this.difficulty;
    for (let n = 0; n < maxAttempts; n++, this.nonce++) {
      if (this.nonce > Number.MAX_SAFE_INTEGER) throw new ToyError('nonce_exhausted', 'no nonce found');
      let len = 0;
      let x = this.nonce;
      do {
        this.digits[15 - len++] = 48 + (x % 10);
        x = Math.floor(x / 10);
      } while (x > 0);
      const h = this.base.clone();
      h.update(this.digits.subarray(16 - len));
      h.update(this.suffix);
      const digest = h.digest();
      this.attempts++;
      let ok = true;
      for (let i = 0; i < d; i++) if (digest[i] !== 0) { ok = false; break; }
      if (ok) {
        const block = { ...this.template, nonce: this.nonce, hash: toHex(digest) };
        this.nonce++;
        return block;
      }
    }
    return undefined;
  }
}

/** Mine synchronously (tests, pre-mined chains). */
export function mineBlock(template: ToyBlockTemplate, difficulty: number): ToyBlock {
  const miner = new BlockMiner(template, difficulty);
  for (;;) {
    const b = miner.search(1 << 16);
    if (b) return b;
  }
}
