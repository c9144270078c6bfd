// The toy node's protocol logic, sans I/O: it takes what happened (a peer connected, a message
// arrived, a timer fired, we mined a block) and returns what to do (send, serve a chain, mark a
// peer established, ban it, persist a block, report an event). node.ts carries the actions out
// on net/'s PeerManager; tests drive this class directly with no sockets.
import { silentLog, type Log } from '../util/log.js';
import { GENESIS_BLOCK, type ToyBlock } from './block.js';
import { BoundedSet } from '../util/bounded-set.js';
import { OrphanPool, TokenBucket } from './bounded.js';
import { ToyChain, type AddResult, type Reorg } from './chain.js';
import type { ToyError } from './errors.js';
import { TOY_PROTOCOL_VERSION, type ToyMessage, type ToyTip } from './messages.js';

/** Wait this long for a HELLO before treating a peer as a tutorial node (and asking GET_CHAIN). */
export const LEGACY_PROBE_MS = 1_500;
/** A tutorial GET_CHAIN reply has no end marker: it is over after this much silence. */
export const LEGACY_SYNC_IDLE_MS = 1_000;
/** A GET_BLOCKS reply that stalls this long between blocks is given up (nakamoto-style stall timeout). */
export const SYNC_STALL_MS = 15_000;
/** Chain requests in flight at once, across peers (others wait their turn). */
export const MAX_OUTSTANDING_SYNCS = 4;
/** Blocks kept while their parent is fetched (Core's orphan pool is 100 transactions; blocks are bigger). */
export const MAX_ORPHANS = 256;
/** Hashes this node has forwarded: each block is relayed at most once. */
export const RELAYED_SET_SIZE = 16_384;
/** Per peer: hashes it sent us or we sent it, so we do not send them back. */
export const PEER_KNOWN_SET_SIZE = 4_096;
/** Unwanted lines (duplicate blocks outside a sync, unknown kinds, chain requests) a peer may send:
 * a burst, then a sustained rate; beyond it the peer is dropped and banned. */
export const NOISE_BURST = 200;
export const NOISE_PER_SECOND = 50;
/** A chain request costs this many noise tokens (a reply can be the whole chain). */
export const CHAIN_REQUEST_COST = 10;
/** An orphan block costs as much: it makes us ask its sender for a chain, and it cannot keep a
 * sync alive (only blocks that connect re-arm the stall timer). */
export const ORPHAN_COST = CHAIN_REQUEST_COST;
/** Misbehaviour score at which a peer is banned (Core's former DISCOURAGEMENT_THRESHOLD). */
export const BAN_SCORE = 100;
/** Points per rejection code; unlisted codes score 50, so two invalid blocks ban a peer. */
const SCORE_BY_CODE: Readonly<Record<string, number>> = {
  bad_timestamp: 20, // clocks drift; an honest node can get this wrong once or twice
  time_too_new: 20,
  sync_no_progress: 20,
};
const LOCAL = -1;

export type ToyPeerKind = 'unknown' | 'modern' | 'legacy';
export type ToyTimerName = 'legacy_probe' | 'sync_idle';

/** What the toy protocol keeps per connection (the `S` of Protocol<ToyMessage, S>). */
export interface ToyPeerState {
  readonly id: number;
  readonly direction: 'inbound' | 'outbound';
  label: string;
  /** modern = sent HELLO; legacy = speaks only BLOCK/GET_CHAIN; unknown = not yet known. */
  kind: ToyPeerKind;
  /** Sent at least one valid line of a known kind (which is what establishes it). */
  heard: boolean;
  helloSent: boolean;
  /** Its best chain, as it last told us (HELLO/TIP). */
  tip: ToyTip | undefined;
  readonly known: BoundedSet<string>;
  syncing: boolean;
  /** What the sync in flight asked for: a GET_BLOCKS reply ends with TIP, a GET_CHAIN reply with silence. */
  syncVia: 'get_blocks' | 'get_chain';
  syncStartTip: string;
  syncAccepted: number;
  wantSync: boolean;
  serving: boolean;
  readonly noise: TokenBucket;
  score: number;
}

export type ToyEvent =
  | { readonly type: 'accepted'; readonly block: ToyBlock; readonly from: number; readonly tipChanged: boolean }
  | { readonly type: 'reorg'; readonly reorg: Reorg; readonly from: number }
  | { readonly type: 'rejected'; readonly hash: string; readonly from: number; readonly code: string; readonly message: string }
  | { readonly type: 'duplicate'; readonly hash: string; readonly from: number }
  | { readonly type: 'orphan'; readonly hash: string; readonly from: number }
  | { readonly type: 'relayed'; readonly hash: string; readonly to: number };

export type ToyAction =
  | { readonly kind: 'send'; readonly peer: number; readonly message: ToyMessage }
  /** Stream these best-chain blocks to the peer (with back-pressure), then a TIP if `thenTip`. */
  | { readonly kind: 'serve'; readonly peer: number; readonly hashes: readonly string[]; readonly thenTip: boolean }
  | { readonly kind: 'established'; readonly peer: number }
  | { readonly kind: 'timer'; readonly peer: number; readonly name: ToyTimerName; readonly ms: number }
  | { readonly kind: 'misbehaving'; readonly peer: number; readonly code: string; readonly message: string }
  | { readonly kind: 'disconnect'; readonly peer: number; readonly code: string; readonly message: string }
  | { readonly kind: 'persist'; readonly block: ToyBlock }
  | { readonly kind: 'event'; readonly event: ToyEvent };

export interface ToyGossipStats {
  accepted: number;
  rejected: number;
  duplicates: number;
  orphans: number;
  /** Blocks this node forwarded (each at most once). */
  forwards: number;
  /** BLOCK messages sent by relaying. */
  relayMessages: number;
  reorgs: number;
}

export interface ToyGossipOptions {
  difficulty: number;
  log?: Log;
  /** Milliseconds clock (injected for tests). */
  now?: () => number;
  legacyProbeMs?: number;
  legacySyncIdleMs?: number;
}

export class ToyGossip {
  readonly chain: ToyChain;
  readonly orphans = new OrphanPool(MAX_ORPHANS);
  readonly stats: ToyGossipStats = { accepted: 0, rejected: 0, duplicates: 0, orphans: 0, forwards: 0, relayMessages: 0, reorgs: 0 };
  private readonly relayed = new BoundedSet<string>(RELAYED_SET_SIZE);
  private readonly peers = new Map<number, ToyPeerState>();
  private readonly log: Log;
  private readonly now: () => number;
  private readonly legacyProbeMs: number;
  private readonly legacySyncIdleMs: number;
  private outstandingSyncs = 0;
  private out: ToyAction[] = [];

  constructor(options: ToyGossipOptions) {
    this.now = options.now ?? Date.now;
    this.chain = new ToyChain(options.difficulty, this.now);
    this.log = options.log ?? silentLog;
    this.legacyProbeMs = options.legacyProbeMs ?? LEGACY_PROBE_MS;
    this.legacySyncIdleMs = options.legacySyncIdleMs ?? LEGACY_SYNC_IDLE_MS;
  }

  get difficulty(): number {
    return this.chain.difficulty;
  }
  get peerStates(): ToyPeerState[] {
    return [...this.peers.values()];
  }
  get tip(): ToyTip {
    return { height: this.chain.height, hash: this.chain.tip.hash };
  }
  /** Chain requests in flight. */
  get syncsInFlight(): number {
    return this.outstandingSyncs;
  }

  newPeerState(id: number, direction: 'inbound' | 'outbound', label = `#${id}`): ToyPeerState {
    return {
      id, direction, label, kind: 'unknown', heard: false, helloSent: false, tip: undefined,
      known: new BoundedSet(PEER_KNOWN_SET_SIZE),
      syncing: false, syncVia: 'get_chain', syncStartTip: '', syncAccepted: 0, wantSync: false, serving: false,
      noise: new TokenBucket(NOISE_BURST, NOISE_PER_SECOND, this.now()),
      score: 0,
    };
  }

  /** A connection is up. The dialer says HELLO first; a listener waits to be spoken to, so a
   * tutorial client (or `nc`) sees only the lines it asked for. */
  connected(p: ToyPeerState): ToyAction[] {
    this.peers.set(p.id, p);
    if (p.direction === 'outbound') this.sendHello(p);
    this.push({ kind: 'timer', peer: p.id, name: 'legacy_probe', ms: this.legacyProbeMs });
    return this.drain();
  }

  disconnected(id: number): ToyAction[] {
    const p = this.peers.get(id);
    if (!p) return [];
    this.peers.delete(id);
    if (p.syncing) {
      p.syncing = false;
      this.outstandingSyncs--;
      this.startWaitingSyncs();
    }
    return this.drain();
  }

  /** The runtime finished streaming a chain reply to this peer. */
  servingDone(id: number): void {
    const p = this.peers.get(id);
    if (p) p.serving = false;
  }

  received(id: number, m: ToyMessage): ToyAction[] {
    const p = this.peers.get(id);
    if (!p) return [];
    if (m.command !== 'unknown' && !p.heard) {
      p.heard = true;
      // A listener learns what its peer speaks from its first line: our nodes open with HELLO.
      if (p.direction === 'inbound' && m.command !== 'hello' && p.kind === 'unknown') p.kind = 'legacy';
      this.push({ kind: 'established', peer: id });
    }
    switch (m.command) {
      case 'block':
        this.onBlock(p, m.block);
        break;
      case 'get_chain':
        this.serve(p, 0, false);
        break;
      case 'hello':
        this.onHello(p, m);
        break;
      case 'tip':
        this.onTip(p, m.tip);
        break;
      case 'get_blocks':
        this.serve(p, this.chain.forkPoint(m.locator) + 1, true);
        break;
      case 'unknown':
        this.log.debug(`${p.label}: ignored unknown message "${m.name}"`);
        this.noise(p, 1, 'unknown messages');
        break;
      default: {
        const never: never = m;
        throw new Error(`unhandled toy message ${String(never)}`);
      }
    }
    return this.drain();
  }

  timer(id: number, name: ToyTimerName): ToyAction[] {
    const p = this.peers.get(id);
    if (!p) return [];
    switch (name) {
      case 'legacy_probe':
        // No HELLO in time: a tutorial node. Ask for its chain the tutorial's way (which also
        // establishes it when it answers); a silent inbound socket is asked the same.
        if (p.kind === 'unknown' && (p.direction === 'outbound' || !p.heard)) {
          p.kind = 'legacy';
          this.log.debug(`${p.label}: no HELLO, treating as a tutorial node`);
          this.requestSync(p);
        }
        break;
      case 'sync_idle':
        if (p.syncing) this.endSync(p);
        break;
      default: {
        const never: never = name;
        throw new Error(`unhandled timer ${String(never)}`);
      }
    }
    return this.drain();
  }

  /** A block we mined: store it and relay it to every peer. */
  submitLocal(block: ToyBlock): { result: AddResult; actions: ToyAction[] } {
    const result = this.chain.add(block);
    if (result.kind === 'accepted') this.onAccepted(block, result, LOCAL, true);
    return { result, actions: this.drain() };
  }

  /** A block reloaded from disk: validated again, not relayed or persisted again. */
  loadStored(block: ToyBlock): AddResult {
    return this.chain.add(block);
  }

  // --- message handlers ----------------------------------------------------------------

  private onHello(p: ToyPeerState, m: Extract<ToyMessage, { command: 'hello' }>): void {
    if (m.genesis !== GENESIS_BLOCK.hash) {
      this.push({ kind: 'disconnect', peer: p.id, code: 'wrong_genesis', message: `peer's genesis is ${m.genesis.slice(0, 16)}…` });
      return;
    }
    if (m.difficulty !== this.difficulty) {
      this.push({ kind: 'disconnect', peer: p.id, code: 'wrong_difficulty', message: `peer mines at difficulty ${m.difficulty}, we at ${this.difficulty}` });
      return;
    }
    const first = p.kind !== 'modern';
    p.kind = 'modern';
    if (!p.helloSent) this.sendHello(p);
    if (first) this.log.debug(`${p.label}: HELLO v${m.version}, height ${m.tip.height}`);
    this.onTip(p, m.tip);
  }

  private onTip(p: ToyPeerState, tip: ToyTip): void {
    p.tip = tip;
    if (p.syncing && p.syncVia === 'get_blocks') this.endSync(p); // TIP closes a GET_BLOCKS reply
    if (this.isBehind(p) || p.wantSync) this.requestSync(p);
  }

  private onBlock(p: ToyPeerState, block: ToyBlock): void {
    const hash = block.hash;
    if (this.chain.has(hash) || this.orphans.has(hash)) {
      p.known.add(hash);
      this.stats.duplicates++;
      this.push({ kind: 'event', event: { type: 'duplicate', hash, from: p.id } });
      // A chain reply repeats what we have (GET_CHAIN starts at genesis); gossip should not.
      if (!p.syncing) this.noise(p, 1, 'duplicate blocks');
      return;
    }
    const gossip = !p.syncing;
    const result = this.chain.add(block);
    switch (result.kind) {
      case 'duplicate':
        return;
      case 'invalid':
        this.reject(p, hash, result.error);
        return;
      case 'orphan':
        // Cheap to make (proof of work on an unknown parent): paid for from the flood budget, and
        // no progress for a sync in flight, whose stall timer keeps running.
        if (!this.noise(p, ORPHAN_COST, 'orphan blocks')) return;
        p.known.add(hash);
        this.stats.orphans++;
        this.orphans.add({ block, from: p.id, gossip });
        this.push({ kind: 'event', event: { type: 'orphan', hash, from: p.id } });
        this.log.debug(`${p.label}: block #${block.index} ${hash.slice(0, 12)} has an unknown parent; fetching`);
        this.requestSync(p);
        return;
      case 'accepted':
        p.known.add(hash);
        if (p.syncing) {
          p.syncAccepted++;
          this.armSyncTimer(p); // progress: the sync may go on
        }
        this.onAccepted(block, result, p.id, gossip);
        return;
      default: {
        const never: never = result;
        throw new Error(`unhandled add result ${String(never)}`);
      }
    }
  }

  // --- acceptance, relay, announcements -------------------------------------------------

  private onAccepted(first: ToyBlock, firstResult: Extract<AddResult, { kind: 'accepted' }>, firstFrom: number, firstGossip: boolean): void {
    const queue: { block: ToyBlock; result: Extract<AddResult, { kind: 'accepted' }>; from: number; gossip: boolean }[] = [
      { block: first, result: firstResult, from: firstFrom, gossip: firstGossip },
    ];
    while (queue.length > 0) {
      const { block, result, from, gossip } = queue.shift()!;
      this.stats.accepted++;
      const tipChanged = result.connected.length > 0;
      // Only the best chain is written (side blocks that a reorg connects are written then, lowest
      // first), so a flood of side-branch blocks costs no disk.
      for (const b of result.connected) this.push({ kind: 'persist', block: b });
      this.push({ kind: 'event', event: { type: 'accepted', block, from, tipChanged } });
      const who = from === LOCAL ? 'mined here' : `from ${this.peers.get(from)?.label ?? `#${from}`}`;
      this.log.debug(`accepted block #${block.index} ${block.hash.slice(0, 16)}… ${who}${tipChanged ? '' : ' (side branch)'}`);
      if (result.reorg) {
        this.stats.reorgs++;
        const r = result.reorg;
        this.log.info(
          `reorg: height ${r.oldTip.index} ${r.oldTip.hash.slice(0, 12)} -> ${r.newTip.index} ${r.newTip.hash.slice(0, 12)} ` +
            `(fork at ${r.forkHeight}, ${r.disconnected.length} block(s) replaced)`,
        );
        this.push({ kind: 'event', event: { type: 'reorg', reorg: r, from } });
      }
      // Relayed only when it moved our tip: a side-branch block is nobody's news.
      if (gossip && tipChanged) this.relay(block, from);
      for (const o of this.orphans.takeChildren(block.hash)) {
        const r = this.chain.add(o.block);
        if (r.kind === 'accepted') queue.push({ block: o.block, result: r, from: o.from, gossip: o.gossip });
        else if (r.kind === 'invalid') {
          const src = this.peers.get(o.from);
          if (src) this.reject(src, o.block.hash, r.error);
        }
      }
    }
  }

  /** Forward a newly accepted block once, to every peer but its source and those known to have it. */
  private relay(block: ToyBlock, from: number): void {
    if (this.relayed.has(block.hash)) return;
    this.relayed.add(block.hash);
    this.stats.forwards++;
    for (const q of this.peers.values()) {
      if (q.id === from || q.known.has(block.hash)) continue;
      q.known.add(block.hash);
      this.stats.relayMessages++;
      this.push({ kind: 'send', peer: q.id, message: { command: 'block', block } });
      this.push({ kind: 'event', event: { type: 'relayed', hash: block.hash, to: q.id } });
    }
  }

  /** After a sync moved our tip: tell the others (a TIP to our kind of node, the tip block to a
   * tutorial node), so a healed partition converges without relaying a whole branch. */
  private announceTip(except: number): void {
    const tip = this.chain.tip;
    for (const q of this.peers.values()) {
      if (q.id === except) continue;
      if (q.kind === 'modern' || (q.kind === 'unknown' && q.direction === 'outbound')) {
        this.push({ kind: 'send', peer: q.id, message: { command: 'tip', tip: this.tip } });
      } else if (q.kind === 'legacy' && !q.known.has(tip.hash)) {
        q.known.add(tip.hash);
        this.push({ kind: 'send', peer: q.id, message: { command: 'block', block: tip } });
      }
    }
  }

  // --- sync -----------------------------------------------------------------------------

  private isBehind(p: ToyPeerState): boolean {
    return p.tip !== undefined && p.tip.height > this.chain.height && !this.chain.has(p.tip.hash);
  }

  /** Ask this peer for what we lack: GET_BLOCKS with a locator, or a tutorial node's GET_CHAIN. */
  private requestSync(p: ToyPeerState): void {
    if (p.syncing) return;
    if (p.kind === 'unknown' || this.outstandingSyncs >= MAX_OUTSTANDING_SYNCS) {
      p.wantSync = true; // after its HELLO (or the probe), or when a slot frees up
      if (p.kind === 'modern' || p.kind === 'legacy') this.log.debug(`${p.label}: sync deferred (${this.outstandingSyncs} in flight)`);
      return;
    }
    p.wantSync = false;
    p.syncing = true;
    p.syncStartTip = this.chain.tip.hash;
    p.syncAccepted = 0;
    this.outstandingSyncs++;
    p.syncVia = p.kind === 'modern' ? 'get_blocks' : 'get_chain';
    if (p.syncVia === 'get_blocks') this.push({ kind: 'send', peer: p.id, message: { command: 'get_blocks', locator: this.chain.locator() } });
    else this.push({ kind: 'send', peer: p.id, message: { command: 'get_chain' } });
    this.armSyncTimer(p);
  }

  private armSyncTimer(p: ToyPeerState): void {
    this.push({ kind: 'timer', peer: p.id, name: 'sync_idle', ms: p.syncVia === 'get_blocks' ? SYNC_STALL_MS : this.legacySyncIdleMs });
  }

  private endSync(p: ToyPeerState): void {
    p.syncing = false;
    this.outstandingSyncs--;
    if (this.chain.tip.hash !== p.syncStartTip) this.announceTip(p.id);
    if (this.isBehind(p)) {
      // It claimed a longer chain: fine if it delivered some (its tip may have moved on), a
      // strike if it delivered nothing valid — and no automatic retry in that case.
      if (p.syncAccepted === 0) this.penalize(p, 'sync_no_progress', `claimed height ${p.tip!.height} but sent no block we could use`);
      else this.requestSync(p);
    }
    this.startWaitingSyncs();
  }

  private startWaitingSyncs(): void {
    for (const q of this.peers.values()) {
      if (this.outstandingSyncs >= MAX_OUTSTANDING_SYNCS) return;
      if (q.wantSync && !q.syncing && q.kind !== 'unknown') this.requestSync(q);
    }
  }

  private serve(p: ToyPeerState, fromHeight: number, thenTip: boolean): void {
    if (!this.noise(p, CHAIN_REQUEST_COST, 'chain requests')) return;
    if (p.serving) {
      this.log.debug(`${p.label}: chain request ignored, still sending the previous reply`);
      return;
    }
    if (fromHeight > this.chain.height) {
      if (thenTip) this.push({ kind: 'send', peer: p.id, message: { command: 'tip', tip: this.tip } });
      return;
    }
    p.serving = true;
    this.push({ kind: 'serve', peer: p.id, hashes: this.chain.hashesFrom(fromHeight), thenTip });
  }

  // --- peer accounting ------------------------------------------------------------------

  private sendHello(p: ToyPeerState): void {
    p.helloSent = true;
    this.push({
      kind: 'send',
      peer: p.id,
      message: { command: 'hello', version: TOY_PROTOCOL_VERSION, genesis: GENESIS_BLOCK.hash, difficulty: this.difficulty, tip: this.tip },
    });
  }

  private reject(p: ToyPeerState, hash: string, error: ToyError): void {
    this.stats.rejected++;
    this.log.warn(`rejected block ${hash.slice(0, 16)}… from ${p.label}: ${error.code}: ${error.message}`);
    this.push({ kind: 'event', event: { type: 'rejected', hash, from: p.id, code: error.code, message: error.message } });
    this.penalize(p, error.code, error.message);
  }

  private penalize(p: ToyPeerState, code: string, message: string): void {
    p.score += SCORE_BY_CODE[code] ?? 50;
    if (p.score >= BAN_SCORE) this.push({ kind: 'misbehaving', peer: p.id, code, message: `${message} (score ${p.score})` });
  }

  /** Spend flood-control tokens; false (and the peer is dropped) when it has none left. */
  private noise(p: ToyPeerState, cost: number, what: string): boolean {
    if (p.noise.take(this.now(), cost)) return true;
    this.push({ kind: 'misbehaving', peer: p.id, code: 'flood', message: `too many ${what}` });
    return false;
  }

  private push(a: ToyAction): void {
    this.out.push(a);
  }
  private drain(): ToyAction[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
