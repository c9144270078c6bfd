// The local toy network: N nodes on loopback wired in a topology, K blocks mined at random
// nodes, and a report of how each block spread (time until every node had it, messages,
// duplicates dropped) and where every node's tip converged. Used by `spv toy-net`, the demo
// and the benchmark.
import { performance } from 'node:perf_hooks';
import { silentLog, type Log } from '../util/log.js';
import { DEFAULT_DIFFICULTY } from './block.js';
import { ToyError } from './errors.js';
import type { ToyEvent } from './gossip.js';
import { ToyNode, type ToyNetTuning } from './node.js';

// A toy network can be replayed with --seed (mulberry32, shared with tests via util/).
export { seededRandom } from '../util/random.js';

export const TOPOLOGIES = ['line', 'ring', 'star', 'random'] as const;
export type ToyTopology = (typeof TOPOLOGIES)[number];
/** Minimum degree of the random topology (the benchmark's "degree >= 3"). */
export const DEFAULT_RANDOM_DEGREE = 3;
/** How long to wait for wiring, for one block to reach everyone, and for the final convergence. */
export const WIRE_TIMEOUT_MS = 30_000;
export const SPREAD_TIMEOUT_MS = 15_000;
/** Counting stops after this much silence (late duplicates are still in flight before). */
const QUIET_MS = 100;
const QUIET_MAX_MS = 3_000;

export interface ToyNetworkOptions {
  nodes: number;
  topology?: ToyTopology;
  blocks?: number;
  difficulty?: number;
  /** Summary lines (one per block, tips); per-node logs are not forwarded. */
  log?: Log;
  /** Log for every node's own logging (default: silent). */
  nodeLog?: (index: number) => Log;
  degree?: number;
  /** Seeded randomness for topology and miner choice (default Math.random). */
  random?: () => number;
  net?: ToyNetTuning;
}

export interface ToyBlockSpread {
  readonly height: number;
  readonly hash: string;
  readonly miner: number;
  /** From the miner accepting its block to the last node accepting it (ms); undefined if it never did. */
  readonly spreadMs: number | undefined;
  readonly reached: number;
  /** BLOCK messages sent for it by relaying. */
  readonly messages: number;
  /** Nodes that forwarded it (each at most once). */
  readonly forwards: number;
  readonly duplicates: number;
}

export interface ToyNodeTip {
  readonly node: number;
  readonly port: number;
  readonly height: number;
  readonly hash: string;
  readonly peers: number;
}

/** One node getting one block: who had it first, from whom, when (what the picture animates). */
export interface ToyPropagationEvent {
  readonly hash: string;
  readonly node: number;
  /** The neighbour it came from; null when the node mined it (or the sender is unknown). */
  readonly from: number | null;
  /** `accepted`: the first copy, kept; `duplicate`: a later copy, dropped. */
  readonly kind: 'accepted' | 'duplicate';
  /** Milliseconds since the network started (the report's clock). */
  readonly atMs: number;
}

export interface ToyNetworkReport {
  readonly nodes: number;
  readonly topology: ToyTopology;
  readonly difficulty: number;
  readonly edges: readonly (readonly [number, number])[];
  readonly blocks: readonly ToyBlockSpread[];
  readonly tips: readonly ToyNodeTip[];
  readonly converged: boolean;
  /** Every accepted and duplicate copy of the mined blocks, in time order. */
  readonly propagation: readonly ToyPropagationEvent[];
  readonly medianSpreadMs: number | undefined;
  readonly messagesPerBlock: number;
  readonly forwardsPerNodePerBlock: number;
  readonly duplicatesPerBlock: number;
  readonly totalMs: number;
}

/** Undirected edges [dialer, listener] of a topology over n nodes. */
export function buildTopology(kind: ToyTopology, n: number, random: () => number = Math.random, degree = DEFAULT_RANDOM_DEGREE): [number, number][] {
  const edges: [number, number][] = [];
  const seen = new Set<string>();
  const add = (a: number, b: number): boolean => {
    if (a === b) return false;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (seen.has(key)) return false;
    seen.add(key);
    edges.push([a, b]);
    return true;
  };
  switch (kind) {
    case 'line':
      for (let i = 1; i < n; i++) add(i, i - 1);
      break;
    case 'ring':
      for (let i = 1; i < n; i++) add(i, i - 1);
      if (n > 2) add(0, n - 1);
      break;
    case 'star':
      for (let i = 1; i < n; i++) add(i, 0);
      break;
    case 'random': {
      // A ring keeps it connected; random chords then lift every node to `degree`.
      for (let i = 1; i < n; i++) add(i, i - 1);
      if (n > 2) add(0, n - 1);
      const want = Math.min(degree, n - 1);
      const deg = new Array<number>(n).fill(0);
      for (const [a, b] of edges) (deg[a]!++, deg[b]!++);
      for (let i = 0; i < n; i++) {
        for (let tries = 0; deg[i]! < want && tries < 50 * n; tries++) {
          const j = Math.floor(random() * n);
          if (add(i, j)) (deg[i]!++, deg[j]!++);
        }
      }
      break;
    }
    default: {
      const never: never = kind;
      throw new ToyError('bad_topology', `unknown topology ${String(never)}`);
    }
  }
  return edges;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Resolve when `done()` holds, re-checking whenever one of the nodes reports something. */
export function waitUntil(nodes: readonly ToyNode[], done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (done()) return resolve();
    const check = (): void => {
      if (!done()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new ToyError('timeout', `timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    // Peers becoming established does not emit a node event: poll a little as well.
    const poll = setInterval(check, 20);
    const cleanup = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      for (const n of nodes) (n.off('toy', check), n.off('peers', check));
    };
    for (const n of nodes) (n.on('toy', check), n.on('peers', check));
  });
}

/** Start the nodes, wire them, mine, measure, shut everything down, and report. */
export async function runToyNetwork(options: ToyNetworkOptions): Promise<ToyNetworkReport> {
  const n = options.nodes;
  if (!Number.isInteger(n) || n < 1) throw new ToyError('bad_options', '--nodes must be a positive integer');
  const topology = options.topology ?? 'ring';
  const blocks = options.blocks ?? 5;
  const difficulty = options.difficulty ?? DEFAULT_DIFFICULTY;
  const random = options.random ?? Math.random;
  const log = options.log ?? silentLog;
  const started = performance.now();
  const edges = buildTopology(topology, n, random, options.degree ?? DEFAULT_RANDOM_DEGREE);

  const nodes: ToyNode[] = [];
  try {
    for (let i = 0; i < n; i++)
      nodes.push(await ToyNode.start({ difficulty, log: options.nodeLog?.(i) ?? silentLog, net: options.net }));
    for (const [a, b] of edges) nodes[a]!.addPeer(nodes[b]!.address!);
    const degreeOf = new Array<number>(n).fill(0);
    for (const [a, b] of edges) (degreeOf[a]!++, degreeOf[b]!++);
    await waitUntil(
      nodes,
      () => nodes.every((node, i) => node.peers.filter((p) => p.established && p.kind === 'modern').length >= degreeOf[i]!),
      WIRE_TIMEOUT_MS,
      'every connection to complete its HELLO',
    );
    log.info(`toy network: ${n} node(s), ${topology} topology, ${edges.length} connection(s), difficulty ${difficulty}`);

    // Per-hash accounting from every node's events.
    const acceptedAt = new Map<string, number[]>();
    const messages = new Map<string, number>();
    const forwarders = new Map<string, Set<number>>();
    const duplicates = new Map<string, number>();
    const propagation: ToyPropagationEvent[] = [];
    const senderOf = peerResolver(nodes);
    nodes.forEach((node, i) =>
      node.on('toy', (e: ToyEvent) => {
        switch (e.type) {
          case 'accepted': {
            const list = acceptedAt.get(e.block.hash) ?? [];
            list.push(performance.now());
            acceptedAt.set(e.block.hash, list);
            propagation.push({ hash: e.block.hash, node: i, from: senderOf(i, e.from), kind: 'accepted', atMs: performance.now() - started });
            break;
          }
          case 'relayed':
            messages.set(e.hash, (messages.get(e.hash) ?? 0) + 1);
            if (!forwarders.has(e.hash)) forwarders.set(e.hash, new Set());
            forwarders.get(e.hash)!.add(i);
            break;
          case 'duplicate':
            duplicates.set(e.hash, (duplicates.get(e.hash) ?? 0) + 1);
            propagation.push({ hash: e.hash, node: i, from: senderOf(i, e.from), kind: 'duplicate', atMs: performance.now() - started });
            break;
          case 'reorg':
          case 'rejected':
          case 'orphan':
            break;
          default: {
            const never: never = e;
            throw new Error(`unhandled toy event ${String(never)}`);
          }
        }
      }),
    );

    const mined: { height: number; hash: string; miner: number; spreadMs: number | undefined; reached: number }[] = [];
    for (let k = 0; k < blocks; k++) {
      const miner = Math.floor(random() * n);
      const block = await nodes[miner]!.mine(`toy-net block ${k + 1} from node ${miner}`);
      const has = (): number => nodes.filter((node) => node.chain.has(block.hash)).length;
      let reached = n;
      try {
        await waitUntil(nodes, () => has() === n, SPREAD_TIMEOUT_MS, `block ${k + 1} to reach every node`);
      } catch {
        reached = has();
      }
      const times = acceptedAt.get(block.hash) ?? [];
      const spreadMs = reached === n && times.length > 0 ? Math.max(...times) - times[0]! : undefined;
      mined.push({ height: block.index, hash: block.hash, miner, spreadMs, reached });
    }

    let converged = true;
    try {
      const best = Math.max(...nodes.map((x) => x.chain.height));
      await waitUntil(nodes, () => new Set(nodes.map((x) => x.chain.tip.hash)).size === 1 && nodes[0]!.chain.height >= best, SPREAD_TIMEOUT_MS, 'convergence');
    } catch {
      converged = false;
    }
    // Duplicates land after the last node accepted a block: count messages once all is quiet.
    await quiet(nodes, QUIET_MS, QUIET_MAX_MS);
    const spreads: ToyBlockSpread[] = mined.map((m) => ({
      ...m,
      messages: messages.get(m.hash) ?? 0,
      forwards: forwarders.get(m.hash)?.size ?? 0,
      duplicates: duplicates.get(m.hash) ?? 0,
    }));
    for (const s of spreads)
      log.info(
        `block #${s.height} ${s.hash.slice(0, 12)} mined at node ${s.miner}: ${s.spreadMs === undefined ? `reached ${s.reached}/${n} nodes` : `all ${n} nodes in ${s.spreadMs.toFixed(1)} ms`}, ` +
          `${s.messages} message(s), ${s.forwards} forward(s), ${s.duplicates} duplicate(s) dropped`,
      );
    const tips: ToyNodeTip[] = nodes.map((node, i) => ({
      node: i,
      port: node.address!.port,
      height: node.chain.height,
      hash: node.chain.tip.hash,
      peers: node.peers.length,
    }));
    for (const t of tips) log.info(`node ${t.node} (port ${t.port}): height ${t.height} tip ${t.hash.slice(0, 16)}… ${t.peers} peer(s)`);
    const totalMessages = spreads.reduce((a, s) => a + s.messages, 0);
    const totalForwards = spreads.reduce((a, s) => a + s.forwards, 0);
    const totalDup = spreads.reduce((a, s) => a + s.duplicates, 0);
    const k = Math.max(1, spreads.length);
    const minedHashes = new Set(mined.map((m) => m.hash));
    return {
      nodes: n,
      topology,
      difficulty,
      edges,
      blocks: spreads,
      tips,
      converged,
      propagation: propagation.filter((p) => minedHashes.has(p.hash)),
      medianSpreadMs: median(spreads.flatMap((s) => (s.spreadMs === undefined ? [] : [s.spreadMs]))),
      messagesPerBlock: totalMessages / k,
      forwardsPerNodePerBlock: totalForwards / k / n,
      duplicatesPerBlock: totalDup / k,
      totalMs: performance.now() - started,
    };
  } finally {
    await Promise.all(nodes.map((x) => x.close()));
  }
}

/**
 * Which node a peer id of node `i` is: outbound peers by the port they listen on, inbound ones
 * by the ephemeral port the dialing node's outbound connection uses. null for our own blocks
 * (peer id -1) and for a peer that is already gone.
 */
function peerResolver(nodes: readonly ToyNode[]): (i: number, peerId: number) => number | null {
  const byListenPort = new Map(nodes.map((n, i) => [n.address!.port, i]));
  let byDialPort = new Map<number, number>();
  const refresh = (): void => {
    byDialPort = new Map();
    nodes.forEach((n, i) => {
      for (const p of n.peers) if (p.direction === 'outbound' && p.localPort !== undefined) byDialPort.set(p.localPort, i);
    });
  };
  return (i, peerId) => {
    if (peerId < 0) return null;
    const p = nodes[i]!.peers.find((x) => x.id === peerId);
    if (!p) return null;
    if (p.direction === 'outbound') return byListenPort.get(p.address.port) ?? null;
    if (!byDialPort.has(p.address.port)) refresh();
    return byDialPort.get(p.address.port) ?? null;
  };
}

/** Resolve once no node has reported anything for `quietMs` (at most `maxMs`). */
function quiet(nodes: readonly ToyNode[], quietMs: number, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, quietMs);
    const cap = setTimeout(done, maxMs);
    function bump(): void {
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    }
    function done(): void {
      clearTimeout(timer);
      clearTimeout(cap);
      for (const n of nodes) n.off('toy', bump);
      resolve();
    }
    for (const n of nodes) n.on('toy', bump);
  });
}
