// Serving BIP157 compact filters the way Core does (net_processing PrepareBlockFilterRequest,
// ProcessGetCFilters/CFHeaders/CFCheckPt) from a LocalBlockChain's BIP158 basic filters, plus
// lying modes (forged filter headers, filters that do not match their headers, filters that omit
// a script under a consistent forged header chain) for testing clients.
import type { GetCFCheckptMessage, GetCFHeadersMessage, GetCFiltersMessage, Message } from '../wire/message.js';
import { MAX_GETCFILTERS_SIZE } from '../wire/messages/getcfilters.js';
import { MAX_GETCFHEADERS_SIZE } from '../wire/messages/getcfheaders.js';
import { reason, type DisconnectReason } from '../net/disconnect.js';
import { bytesEqual, concatBytes, hashToDisplay } from '../util/bytes.js';
import { sha256d } from '../util/hash.js';
import { BASIC_FILTER_TYPE, buildBasicFilter } from '../filters/basic.js';
import { CFCHECKPT_INTERVAL, filterHash, filterHeader, GENESIS_PREVIOUS_FILTER_HEADER } from '../filters/headers.js';
import type { LocalBlock, LocalBlockChain } from './local-blocks.js';
import type { BitcoinPeer, PeerService } from './protocol.js';
import { ReplyQueue } from './block-server.js';
import { encodeMessage, MAX_PROTOCOL_MESSAGE_LENGTH } from '../wire/envelope.js';

/** Lies a FilterServer tells (for tests of clients). They apply to the active chain only. */
export type FilterLie =
  /** Filter hashes (cfheaders) and so filter headers (cfheaders, cfcheckpt) are forged from this
   * height on; the cfilters served stay honest, so they do not match the forged headers. */
  | { readonly kind: 'wrong-headers'; readonly fromHeight: number }
  /** cfilter replies at these heights (default: all) carry a filter that is not the one the
   * (honest) filter header commits to; with `thenSilent` the rest of that request goes unanswered. */
  | { readonly kind: 'bad-filter'; readonly heights?: readonly number[]; readonly thenSilent?: boolean }
  /** Filters built with these scripts added to every block, filter hashes and headers computed
   * over them: consistent, and every block "matches" (BIP158 allows false positives). */
  | { readonly kind: 'add-scripts'; readonly scripts: readonly Uint8Array[] }
  /** At these heights, instead of the cfilter, a `cfilter` frame whose payload is `bytes` long
   * (default: Core's MAX_PROTOCOL_MESSAGE_LENGTH, 4,000,000), more than any block's filter can
   * be; the rest of that request goes unanswered. */
  | { readonly kind: 'oversized-filter'; readonly heights: readonly number[]; readonly bytes?: number }
  /** Filters built without these scripts, with filter hashes and headers computed over the forged
   * filters: everything is consistent, only the block itself shows the lie. */
  | { readonly kind: 'omit-scripts'; readonly scripts: readonly Uint8Array[] };

/** What is served for one block: filter bytes, the filter hash in cfheaders, and the filter header
 * (cfcheckpt entries and previous_filter_header). Honest: filterHeader = H(filterHash || prev). */
export interface ServedFilter {
  readonly filter: Uint8Array;
  readonly filterHash: Uint8Array;
  readonly filterHeader: Uint8Array;
}

export interface FilterServerOptions {
  lie?: FilterLie;
}

/** Why a BIP157 request is refused (Core disconnects, without discouraging, for each). */
export type FilterRequestRefusal = 'unsupported_filter_type' | 'unknown_stop_hash' | 'start_after_stop' | 'range_too_large';

/**
 * Core PrepareBlockFilterRequest: the stop block, or why the request is refused, checked in
 * Core's order (filter type, stop hash, start <= stop, stop - start < maxRange).
 */
export function checkFilterRequest(
  chain: LocalBlockChain,
  filterType: number,
  startHeight: number,
  stopHash: Uint8Array,
  maxRange: number,
): { ok: true; stop: LocalBlock } | { ok: false; refusal: FilterRequestRefusal; message: string } {
  if (filterType !== BASIC_FILTER_TYPE) return { ok: false, refusal: 'unsupported_filter_type', message: `unsupported block filter type ${filterType}` };
  // Core also serves a stop block off the active chain if it is recent (BlockRequestAllowed); we
  // serve every block we made, replaced branches included.
  const stop = chain.blockByHash(stopHash);
  if (!stop) return { ok: false, refusal: 'unknown_stop_hash', message: `unknown stop hash ${hashToDisplay(stopHash)}` };
  if (startHeight > stop.height) return { ok: false, refusal: 'start_after_stop', message: `start height ${startHeight} above stop height ${stop.height}` };
  if (stop.height - startHeight >= maxRange) {
    return { ok: false, refusal: 'range_too_large', message: `${stop.height - startHeight + 1} blocks requested (limit ${maxRange})` };
  }
  return { ok: true, stop };
}

/** A different, well-formed filter for the block (one made-up element more). */
function otherFilter(chain: LocalBlockChain, block: LocalBlock): Uint8Array {
  return buildBasicFilter(block.hash, [...chain.filterElementsOf(block), new TextEncoder().encode(`spv-lie:${block.height}`)]);
}

export class FilterServer implements PeerService {
  private readonly replies = new ReplyQueue('filter-server-replies');
  private readonly lie: FilterLie | undefined;
  /** Forged values by active-chain height (undefined entry: honest), for the chain version. */
  private forged: { version: number; byHeight: (ServedFilter | undefined)[] } | undefined;
  /** Requests answered (for tests and logs). */
  readonly answered = { getcfcheckpt: 0, getcfheaders: 0, getcfilters: 0 };

  constructor(
    private readonly chain: LocalBlockChain,
    opts: FilterServerOptions = {},
  ) {
    this.lie = opts.lie;
  }

  onDisconnect(peer: BitcoinPeer): void {
    this.replies.forget(peer);
  }

  onMessage(peer: BitcoinPeer, msg: Message): void {
    switch (msg.command) {
      case 'getcfcheckpt':
        return this.onGetCfCheckpt(peer, msg);
      case 'getcfheaders':
        return this.onGetCfHeaders(peer, msg);
      case 'getcfilters':
        return this.onGetCfilters(peer, msg);
      default:
        return;
    }
  }

  /** What this server sends for `block` (lies included). */
  served(block: LocalBlock): ServedFilter {
    if (!this.lie || !this.chain.isActive(block)) return block;
    return this.forgedTable()[block.height] ?? block;
  }

  private refuse(peer: BitcoinPeer, command: string, r: { refusal: FilterRequestRefusal; message: string }): void {
    const why: DisconnectReason = reason('protocol', `bip157_${r.refusal}`, `${command}: ${r.message}`);
    peer.disconnect(why);
  }

  private onGetCfCheckpt(peer: BitcoinPeer, msg: GetCFCheckptMessage): void {
    // Core: start height 0, no range limit.
    const r = checkFilterRequest(this.chain, msg.filterType, 0, msg.stopHash, Number.MAX_SAFE_INTEGER);
    if (!r.ok) return this.refuse(peer, msg.command, r);
    const headers: Uint8Array[] = [];
    for (let h = CFCHECKPT_INTERVAL; h <= r.stop.height; h += CFCHECKPT_INTERVAL) headers.push(this.served(this.chain.ancestor(r.stop, h)).filterHeader);
    this.answered.getcfcheckpt++;
    peer.send({ command: 'cfcheckpt', filterType: msg.filterType, stopHash: r.stop.hash, filterHeaders: headers });
  }

  private onGetCfHeaders(peer: BitcoinPeer, msg: GetCFHeadersMessage): void {
    const r = checkFilterRequest(this.chain, msg.filterType, msg.startHeight, msg.stopHash, MAX_GETCFHEADERS_SIZE);
    if (!r.ok) return this.refuse(peer, msg.command, r);
    const previous = msg.startHeight === 0 ? GENESIS_PREVIOUS_FILTER_HEADER : this.served(this.chain.ancestor(r.stop, msg.startHeight - 1)).filterHeader;
    const hashes: Uint8Array[] = [];
    for (let b: LocalBlock | undefined = r.stop; b && b.height >= msg.startHeight; b = b.prev) hashes.push(this.served(b).filterHash);
    hashes.reverse();
    this.answered.getcfheaders++;
    peer.send({ command: 'cfheaders', filterType: msg.filterType, stopHash: r.stop.hash, previousFilterHeader: previous, filterHashes: hashes });
  }

  private onGetCfilters(peer: BitcoinPeer, msg: GetCFiltersMessage): void {
    const r = checkFilterRequest(this.chain, msg.filterType, msg.startHeight, msg.stopHash, MAX_GETCFILTERS_SIZE);
    if (!r.ok) return this.refuse(peer, msg.command, r);
    const blocks: LocalBlock[] = [];
    for (let b: LocalBlock | undefined = r.stop; b && b.height >= msg.startHeight; b = b.prev) blocks.push(b);
    blocks.reverse();
    this.answered.getcfilters++;
    const lie = this.lie;
    for (const b of blocks) {
      if (lie?.kind === 'oversized-filter' && lie.heights.includes(b.height) && this.chain.isActive(b)) {
        const payload = new Uint8Array(lie.bytes ?? MAX_PROTOCOL_MESSAGE_LENGTH); // type 0, then garbage
        this.replies.push(peer, () => peer.sendRaw(encodeMessage(this.chain.params.magic, { command: 'unknown', name: 'cfilter', payload })));
        break;
      }
      const served = this.served(b);
      this.replies.push(peer, () => peer.send({ command: 'cfilter', filterType: msg.filterType, blockHash: b.hash, filter: served.filter }));
      if (lie?.kind === 'bad-filter' && lie.thenSilent && served !== b) break;
    }
    this.replies.drain(peer);
  }

  /** The forged values of the active chain, recomputed when the chain changes. */
  private forgedTable(): (ServedFilter | undefined)[] {
    if (this.forged && this.forged.version === this.chain.version) return this.forged.byHeight;
    const byHeight: (ServedFilter | undefined)[] = [];
    const lie = this.lie!;
    const tip = this.chain.height;
    switch (lie.kind) {
      case 'wrong-headers': {
        let prev: Uint8Array | undefined;
        for (let h = Math.max(0, lie.fromHeight); h <= tip; h++) {
          const b = this.chain.blockAt(h);
          prev ??= h === 0 ? GENESIS_PREVIOUS_FILTER_HEADER : this.chain.blockAt(h - 1).filterHeader;
          const fakeHash = sha256d(concatBytes([b.filterHash, new TextEncoder().encode('spv-lie')]));
          prev = filterHeader(fakeHash, prev);
          byHeight[h] = { filter: b.filter, filterHash: fakeHash, filterHeader: prev };
        }
        break;
      }
      case 'bad-filter':
        for (let h = 0; h <= tip; h++) {
          if (lie.heights !== undefined && !lie.heights.includes(h)) continue;
          const b = this.chain.blockAt(h);
          byHeight[h] = { filter: otherFilter(this.chain, b), filterHash: b.filterHash, filterHeader: b.filterHeader };
        }
        break;
      case 'omit-scripts': {
        let prev: Uint8Array | undefined;
        for (let h = 0; h <= tip; h++) {
          const b = this.chain.blockAt(h);
          const all = this.chain.filterElementsOf(b);
          const kept = all.filter((e) => !lie.scripts.some((s) => bytesEqual(s, e)));
          if (kept.length === all.length && prev === undefined) continue; // honest so far
          prev ??= h === 0 ? GENESIS_PREVIOUS_FILTER_HEADER : this.chain.blockAt(h - 1).filterHeader;
          const filter = kept.length === all.length ? b.filter : buildBasicFilter(b.hash, kept);
          const fHash = filterHash(filter);
          prev = filterHeader(fHash, prev);
          byHeight[h] = { filter, filterHash: fHash, filterHeader: prev };
        }
        break;
      }
      case 'add-scripts': {
        let prev = GENESIS_PREVIOUS_FILTER_HEADER;
        for (let h = 0; h <= tip; h++) {
          const b = this.chain.blockAt(h);
          const filter = buildBasicFilter(b.hash, [...this.chain.filterElementsOf(b), ...lie.scripts]);
          const fHash = filterHash(filter);
          prev = filterHeader(fHash, prev);
          byHeight[h] = { filter, filterHash: fHash, filterHeader: prev };
        }
        break;
      }
      case 'oversized-filter':
        break; // a frame, not a forged value: see onGetCfilters
      default: {
        const never: never = lie;
        throw new Error(`unknown filter lie ${String(never)}`);
      }
    }
    this.forged = { version: this.chain.version, byHeight };
    return byHeight;
  }
}
