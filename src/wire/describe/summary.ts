// One line per message that a person reads at a glance (the `--trace` line):
// `version 70016 /Satoshi:28.1.0/ h=88123 NETWORK|WITNESS|P2P_V2 relay=0`, `headers 2000 (1..2000)`,
// `inv 3: 2 wtx, 1 block`, `ping nonce=0x…`, `cfilter block 00ab… 412 B`. Exhaustive over the union.
import { sha256dFast } from '../../util/sha256d-fast.js';
import type { AddrV2Entry, InvItem, Message, TimedNetAddress } from '../message.js';
import { hasWitness } from '../../tx/tx.js';
import { bip155Name, btc, invTypeName, servicesText, shortHash } from './format.js';

/** What the caller knows that a message alone does not say (the trace passes the header chain). */
export interface SummaryContext {
  /** Height of a block by its hash (wire order), when known. */
  heightOf?(hash: Uint8Array): number | undefined;
}

const NO_CONTEXT: SummaryContext = {};
/** Addresses listed by name in an addr/addrv2 summary before "…". */
const ADDRESSES_SHOWN = 2;

// Counts and heights plain, as Core's logs print them (`headers 2000 (1..2000)`).
const n = (x: number): string => String(x);

function size(bytes: number): string {
  if (bytes < 10_000) return `${n(bytes)} B`;
  if (bytes < 10_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** A block named by height when the context knows it, else by its short hash. */
function blockRef(hash: Uint8Array, ctx: SummaryContext): string {
  const h = ctx.heightOf?.(hash);
  return h === undefined ? shortHash(hash) : `${shortHash(hash)} h=${h}`;
}

/** "2 wtx, 1 block", types in order of first appearance. */
function inventoryCounts(items: readonly InvItem[]): string {
  const counts = new Map<string, number>();
  for (const it of items) {
    const name = invTypeName(it.type);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, c]) => `${n(c)} ${name}`).join(', ');
}

function inventory(cmd: string, items: readonly InvItem[], ctx: SummaryContext): string {
  if (items.length === 0) return `${cmd} 0`;
  if (items.length === 1) {
    const it = items[0]!;
    const name = invTypeName(it.type);
    return `${cmd} 1: ${name} ${name.includes('block') ? blockRef(it.hash, ctx) : shortHash(it.hash)}`;
  }
  return `${cmd} ${n(items.length)}: ${inventoryCounts(items)}`;
}

function headerHash(raw: Uint8Array): Uint8Array {
  return sha256dFast(raw);
}

/** "(1..2000)" when the parent's height is known, else the first and last hashes. */
function headersRange(headers: readonly Uint8Array[], ctx: SummaryContext): string {
  const first = headers[0]!;
  const last = headers[headers.length - 1]!;
  const parentHeight = ctx.heightOf?.(first.subarray(4, 36));
  if (parentHeight !== undefined) return `(${n(parentHeight + 1)}..${n(parentHeight + headers.length)})`;
  const a = shortHash(headerHash(first));
  return headers.length === 1 ? `(${a})` : `(${a}..${shortHash(headerHash(last))})`;
}

function addrList(items: readonly TimedNetAddress[]): string {
  const shown = items.slice(0, ADDRESSES_SHOWN).map((a) => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`));
  return shown.join(', ') + (items.length > ADDRESSES_SHOWN ? ', …' : '');
}

function addrV2List(items: readonly AddrV2Entry[]): string {
  const counts = new Map<string, number>();
  for (const e of items) counts.set(bip155Name(e.networkId), (counts.get(bip155Name(e.networkId)) ?? 0) + 1);
  return [...counts].map(([name, c]) => `${n(c)} ${name}`).join(', ');
}

function assertNever(m: never): never {
  throw new Error(`no summary for ${JSON.stringify((m as { command?: unknown }).command)}`);
}

/** The one-line summary of `m`. */
export function summarizeMessage(m: Message, ctx: SummaryContext = NO_CONTEXT): string {
  switch (m.command) {
    case 'version':
      return `version ${m.version} ${m.userAgent} h=${m.startHeight} ${servicesText(m.services)} relay=${m.relay === undefined ? '-' : m.relay ? 1 : 0}`;
    case 'verack':
    case 'wtxidrelay':
    case 'sendaddrv2':
    case 'sendheaders':
    case 'getaddr':
    case 'filterclear':
    case 'mempool':
      return m.command;
    case 'ping':
    case 'pong':
      return `${m.command} nonce=0x${m.nonce.toString(16).padStart(16, '0')}`;
    case 'sendcmpct':
      return `sendcmpct announce=${m.announce ? 1 : 0} version=${m.version}`;
    case 'sendtxrcncl':
      return `sendtxrcncl version=${m.version} salt=0x${m.salt.toString(16).padStart(16, '0')}`;
    case 'feefilter':
      return `feefilter ${m.feeRate} sat/kvB`;
    case 'addr':
      return m.addresses.length === 0 ? 'addr 0' : `addr ${n(m.addresses.length)}: ${addrList(m.addresses)}`;
    case 'addrv2':
      return m.addresses.length === 0 ? 'addrv2 0' : `addrv2 ${n(m.addresses.length)}: ${addrV2List(m.addresses)}`;
    case 'inv':
    case 'getdata':
    case 'notfound':
      return inventory(m.command, m.items, ctx);
    case 'getheaders': {
      const tip = m.locator[0];
      const stop = m.hashStop.every((b) => b === 0) ? 'stop=0' : `stop=${shortHash(m.hashStop)}`;
      return `getheaders locator ${m.locator.length}${tip ? ` from ${blockRef(tip, ctx)}` : ''} ${stop}`;
    }
    case 'headers':
      return m.headers.length === 0 ? 'headers 0' : `headers ${n(m.headers.length)} ${headersRange(m.headers, ctx)}`;
    case 'reject':
      return `reject ${m.message} code=0x${m.code.toString(16).padStart(2, '0')} ${JSON.stringify(m.reason)}`;
    case 'tx': {
      const t = m.tx;
      const total = t.outputs.reduce((a, o) => a + o.value, 0n);
      return `tx ${shortHash(t.txid)} ${t.inputs.length} in ${t.outputs.length} out ${btc(total)} ${size(t.raw.length)}${hasWitness(t) ? ' segwit' : ''}`;
    }
    case 'block':
      return `block ${blockRef(m.block.hash, ctx)} ${n(m.block.txs.length)} tx ${size(m.block.raw.length)}`;
    case 'merkleblock':
      return `merkleblock ${blockRef(headerHash(m.header), ctx)} ${m.hashes.length} hash(es) of ${n(m.totalTransactions)} tx`;
    case 'filterload':
      return `filterload ${size(m.filter.length)} ${m.hashFuncs} hash funcs tweak=${m.tweak} flags=${m.flags}`;
    case 'filteradd':
      return `filteradd ${size(m.data.length)}`;
    case 'getcfilters':
      return `getcfilters type=${m.filterType} from h=${m.startHeight} to ${blockRef(m.stopHash, ctx)}`;
    case 'cfilter':
      return `cfilter block ${blockRef(m.blockHash, ctx)} ${size(m.filter.length)}`;
    case 'getcfheaders':
      return `getcfheaders type=${m.filterType} from h=${m.startHeight} to ${blockRef(m.stopHash, ctx)}`;
    case 'cfheaders':
      return `cfheaders type=${m.filterType} ${n(m.filterHashes.length)} to ${blockRef(m.stopHash, ctx)}`;
    case 'getcfcheckpt':
      return `getcfcheckpt type=${m.filterType} to ${blockRef(m.stopHash, ctx)}`;
    case 'cfcheckpt':
      return `cfcheckpt type=${m.filterType} ${n(m.filterHeaders.length)} to ${blockRef(m.stopHash, ctx)}`;
    case 'unknown':
      return `${m.name} (unknown command) ${size(m.payload.length)}`;
    default:
      return assertNever(m);
  }
}
