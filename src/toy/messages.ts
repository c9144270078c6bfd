// The toy wire messages: one line each. The tutorial's two (`BLOCK:<json>`, `GET_CHAIN`) plus
// optional ones this node adds for faster sync (`HELLO:`, `TIP:`, `GET_BLOCKS:`). A line is
// classified by explicit prefix matching into a tagged union; anything else is `unknown`.
import { blockToJson, parseBlock, type ToyBlock } from './block.js';
import { ToyError } from './errors.js';

export const TOY_PROTOCOL_VERSION = 1;
/** Like Core's MAX_LOCATOR_SZ (101, net_processing.cpp): a locator is short by construction. */
export const MAX_LOCATOR_HASHES = 101;
/** How much of an unknown command we keep for the log. */
const MAX_UNKNOWN_NAME = 32;

export interface ToyTip {
  readonly height: number;
  readonly hash: string;
}

export type ToyMessage =
  /** `BLOCK:<json>` (tutorial): one block, gossiped or as part of a chain reply. */
  | { readonly command: 'block'; readonly block: ToyBlock }
  /** `GET_CHAIN` (tutorial): send me your whole chain, one BLOCK line per block from genesis. */
  | { readonly command: 'get_chain' }
  /** `HELLO:{"version","genesis","difficulty","height","tip"}`: first line of a node that knows it. */
  | { readonly command: 'hello'; readonly version: number; readonly genesis: string; readonly difficulty: number; readonly tip: ToyTip }
  /** `TIP:{"height","tip"}`: my best chain now (ends a GET_BLOCKS reply; announces a sync result). */
  | { readonly command: 'tip'; readonly tip: ToyTip }
  /** `GET_BLOCKS:{"locator":[hash,...]}`: send the blocks of your chain after the first hash you know. */
  | { readonly command: 'get_blocks'; readonly locator: readonly string[] }
  /** Anything else: logged and skipped, never dispatched on. */
  | { readonly command: 'unknown'; readonly name: string };

const HASH_RE = /^[0-9a-f]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isHash = (v: unknown): v is string => typeof v === 'string' && HASH_RE.test(v);

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ToyError('bad_json', `${what}: invalid JSON (${(err as Error).message.slice(0, 80)})`);
  }
}

function parseTip(o: Record<string, unknown>, what: string): ToyTip {
  if (!isCount(o.height)) throw new ToyError('bad_shape', `${what}.height must be a non-negative integer`);
  if (!isHash(o.tip)) throw new ToyError('bad_shape', `${what}.tip must be 64 lowercase hex`);
  return { height: o.height, hash: o.tip };
}

/** One line (without its `\n`) to a message. Throws ToyError for a known kind with a bad payload. */
export function parseToyLine(line: string): ToyMessage {
  if (line.startsWith('BLOCK:')) return { command: 'block', block: parseBlock(parseJson(line.slice(6), 'BLOCK')) };
  if (line === 'GET_CHAIN') return { command: 'get_chain' };
  if (line.startsWith('HELLO:')) {
    const o = parseJson(line.slice(6), 'HELLO');
    if (!isObject(o)) throw new ToyError('bad_shape', 'HELLO payload must be an object');
    if (!isCount(o.version)) throw new ToyError('bad_shape', 'HELLO.version must be a non-negative integer');
    if (!isHash(o.genesis)) throw new ToyError('bad_shape', 'HELLO.genesis must be 64 lowercase hex');
    if (!isCount(o.difficulty)) throw new ToyError('bad_shape', 'HELLO.difficulty must be a non-negative integer');
    return { command: 'hello', version: o.version, genesis: o.genesis, difficulty: o.difficulty, tip: parseTip(o, 'HELLO') };
  }
  if (line.startsWith('TIP:')) {
    const o = parseJson(line.slice(4), 'TIP');
    if (!isObject(o)) throw new ToyError('bad_shape', 'TIP payload must be an object');
    return { command: 'tip', tip: parseTip(o, 'TIP') };
  }
  if (line.startsWith('GET_BLOCKS:')) {
    const o = parseJson(line.slice(11), 'GET_BLOCKS');
    if (!isObject(o) || !Array.isArray(o.locator)) throw new ToyError('bad_shape', 'GET_BLOCKS payload must be {"locator":[...]}');
    if (o.locator.length > MAX_LOCATOR_HASHES) throw new ToyError('bad_shape', `GET_BLOCKS locator longer than ${MAX_LOCATOR_HASHES}`);
    if (!o.locator.every(isHash)) throw new ToyError('bad_shape', 'GET_BLOCKS locator entries must be 64 lowercase hex');
    return { command: 'get_blocks', locator: o.locator as string[] };
  }
  const colon = line.indexOf(':');
  const name = (colon >= 0 ? line.slice(0, colon) : line).slice(0, MAX_UNKNOWN_NAME);
  return { command: 'unknown', name };
}

/** A message as its line, without the trailing `\n`. */
export function formatToyMessage(m: ToyMessage): string {
  switch (m.command) {
    case 'block':
      return `BLOCK:${blockToJson(m.block)}`;
    case 'get_chain':
      return 'GET_CHAIN';
    case 'hello':
      return `HELLO:${JSON.stringify({ version: m.version, genesis: m.genesis, difficulty: m.difficulty, height: m.tip.height, tip: m.tip.hash })}`;
    case 'tip':
      return `TIP:${JSON.stringify({ height: m.tip.height, tip: m.tip.hash })}`;
    case 'get_blocks':
      return `GET_BLOCKS:${JSON.stringify({ locator: m.locator })}`;
    case 'unknown':
      throw new ToyError('unknown_message', `cannot send an unknown message (${m.name})`);
    default: {
      const never: never = m;
      throw new Error(`unhandled toy message ${String(never)}`);
    }
  }
}

/** Short name for logs. */
export function describeToyMessage(m: ToyMessage): string {
  switch (m.command) {
    case 'block':
      return `BLOCK #${m.block.index}`;
    case 'get_chain':
      return 'GET_CHAIN';
    case 'hello':
      return `HELLO h=${m.tip.height}`;
    case 'tip':
      return `TIP h=${m.tip.height}`;
    case 'get_blocks':
      return `GET_BLOCKS (${m.locator.length} locator hashes)`;
    case 'unknown':
      return `unknown "${m.name}"`;
    default: {
      const never: never = m;
      throw new Error(`unhandled toy message ${String(never)}`);
    }
  }
}
