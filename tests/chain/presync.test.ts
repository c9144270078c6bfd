// Headers presync (Core HeadersSyncState) driven by hand: which batches need it, a low-work
// fork proven then re-downloaded and stored, a chain that never shows enough work stored
// nowhere, a peer serving another chain the second time caught by the commitments before
// anything is stored, an invalid header during presync, and a network minimum chain work.
import { NETWORKS, type NetworkParams } from '../../src/params/networks.js';
import { ChainBuilder, splitHeaders } from '../../src/chain/generate.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { blockHash } from '../../src/chain/header.js';
import { HeadersPresync, presyncNeeded, REDOWNLOAD_BUFFER_SIZE, type PresyncStep } from '../../src/chain/presync.js';
import { FAR_FUTURE } from './helpers.js';

const REG = NETWORKS.regtest;

/** A peer serving `chain`'s headers after the first locator entry it knows, 2,000 at a time. */
function serve(chain: HeaderChain, locator: readonly Uint8Array[]): Uint8Array[] {
  return chain.headersAfterLocator(locator, new Uint8Array(32));
}

function chainOf(b: ChainBuilder, p: NetworkParams = REG): HeaderChain {
  const c = new HeaderChain(p);
  const all = splitHeaders(b.bytes(1));
  for (let i = 0; i < all.length; i += 2000) expect(c.acceptHeaders(all.slice(i, i + 2000), FAR_FUTURE).error).toBeUndefined();
  return c;
}

/** Runs a presync against `peer` until it ends; returns every step and what was handed to `ours`. */
function drive(ours: HeaderChain, peer: HeaderChain, first: Uint8Array[], swapAfterPresync?: HeaderChain): { steps: PresyncStep[]; heightsDuringPresync: number[] } {
  const need = presyncNeeded(ours, first);
  if (need === undefined || need === 'ignore') throw new Error(`no presync needed: ${need}`);
  const ps = new HeadersPresync(ours, need.start, need.minimumWork, FAR_FUTURE);
  const steps: PresyncStep[] = [];
  const heightsDuringPresync: number[] = [];
  let batch = first;
  let server = peer;
  for (;;) {
    const step = ps.process(batch, FAR_FUTURE);
    steps.push(step);
    if (step.kind === 'failed') return { steps, heightsDuringPresync };
    for (let i = 0; i < step.release.length; i += 2000) expect(ours.acceptHeaders(step.release.slice(i, i + 2000), FAR_FUTURE).error).toBeUndefined();
    if (ps.state === 'presync') heightsDuringPresync.push(ours.height);
    if (step.kind === 'done') {
      if (step.more) {
        // Back to normal sync from the last released header (as HeaderSync asks).
        let last = step.release[step.release.length - 1].subarray(0);
        for (;;) {
          const next = serve(server, [blockHash(last), ...ours.blockLocator()]);
          if (next.length === 0) break;
          const r = ours.acceptHeaders(next, FAR_FUTURE);
          expect(r.error).toBeUndefined();
          if (next.length < 2000) break;
          last = next[next.length - 1];
        }
      }
      return { steps, heightsDuringPresync };
    }
    if (ps.state === 'redownload' && swapAfterPresync) server = swapAfterPresync;
    batch = serve(server, step.locator);
  }
}

describe('which headers need presync', () => {
  const main = new ChainBuilder(REG, { seed: 'main', spacing: 60 });
  main.extend(3000);
  const ours = chainOf(main);

  test('near the tip, or on the tip: stored at once; a deep low-work fork: presync; short low-work: ignored', () => {
    expect(presyncNeeded(ours, main.extend(3))).toBeUndefined();
    const near = main.fork(2900, { seed: 'near' });
    expect(presyncNeeded(ours, near.extend(2))).toBeUndefined(); // within 144 blocks of work
    const deep = main.fork(500, { seed: 'deep' });
    const batch = deep.extend(2000);
    expect(presyncNeeded(ours, batch)).toEqual({ start: { height: 500, work: 2n * 501n }, minimumWork: 2n * 3001n - 288n });
    expect(presyncNeeded(ours, batch.slice(0, 1999))).toBe('ignore');
    expect(presyncNeeded(ours, main.headers(1, 2001))).toBeUndefined(); // all known
  });
});

describe('a deep fork with more work', () => {
  test('is proven, re-downloaded, stored, and wins; nothing is stored during presync', () => {
    const main = new ChainBuilder(REG, { seed: 'm', spacing: 60 });
    main.extend(20_000);
    const ours = chainOf(main);
    const fork = main.fork(100, { seed: 'f' });
    fork.extend(22_000);
    const peer = chainOf(fork);
    const first = serve(peer, ours.blockLocator());
    const { steps, heightsDuringPresync } = drive(ours, peer, first);
    expect(heightsDuringPresync.every((h) => h === 20_000)).toBe(true);
    expect(ours.sideHeaderCount + ours.deepBranchSize).toBeLessThanOrEqual(22_000);
    expect(steps[steps.length - 1].kind).toBe('done');
    // Something was held back until REDOWNLOAD_BUFFER_SIZE headers were checked.
    const released = steps.flatMap((s) => (s.kind === 'failed' ? [] : [s.release.length]));
    expect(released.some((n) => n > 0 && n <= 2000)).toBe(true);
    expect(ours.height).toBe(22_100);
    expect(ours.tip.hashHex).toBe(fork.hashHexAt(22_100));
    expect(REDOWNLOAD_BUFFER_SIZE).toBeGreaterThan(10_000);
  });

  test('a peer that serves another chain the second time is caught before anything is stored', () => {
    const main = new ChainBuilder(REG, { seed: 'm3', spacing: 60 });
    main.extend(20_000);
    const ours = chainOf(main);
    const fork = main.fork(100, { seed: 'honest-looking' });
    fork.extend(20_100);
    const other = main.fork(100, { seed: 'switched' });
    other.extend(20_100);
    const first = serve(chainOf(fork), ours.blockLocator());
    const { steps } = drive(ours, chainOf(fork), first, chainOf(other));
    const last = steps[steps.length - 1];
    expect(last).toMatchObject({ kind: 'failed', code: 'commitment_mismatch', ban: false });
    expect(ours.tip.hashHex).toBe(main.hashHexAt(20_000));
    expect(ours.sideHeaderCount + ours.deepBranchSize).toBe(0);
  });
});

describe('chains that are never stored', () => {
  test('a long fork that never reaches our work: presync ends, nothing stored', () => {
    const main = new ChainBuilder(REG, { seed: 'm4', spacing: 60 });
    main.extend(9000);
    const ours = chainOf(main);
    const fork = main.fork(10, { seed: 'short' });
    fork.extend(8000);
    const peer = chainOf(fork);
    const { steps } = drive(ours, peer, serve(peer, ours.blockLocator()));
    expect(steps[steps.length - 1]).toMatchObject({ kind: 'failed', code: 'low_work_chain', ban: false });
    expect(steps.every((s) => s.kind === 'failed' || s.release.length === 0)).toBe(true);
    expect(ours.sideHeaderCount + ours.deepBranchSize).toBe(0);
    expect(ours.height).toBe(9000);
  });

  test('an invalid header during presync fails it as ban-worthy', () => {
    const main = new ChainBuilder(REG, { seed: 'm5', spacing: 60 });
    main.extend(5000);
    const ours = chainOf(main);
    const fork = main.fork(10, { seed: 'bad' });
    const batch = fork.extend(2000);
    const bad = fork.next({ pow: 'invalid' });
    const need = presyncNeeded(ours, batch);
    if (!need || need === 'ignore') throw new Error('expected a presync');
    const ps = new HeadersPresync(ours, need.start, need.minimumWork, FAR_FUTURE);
    expect(ps.process(batch, FAR_FUTURE).kind).toBe('continue');
    expect(ps.process([bad, ...fork.extend(5)], FAR_FUTURE)).toMatchObject({ kind: 'failed', code: 'high_hash', ban: true });
  });

  test('with a network minimum chain work, a fresh sync stores nothing until the chain shows it', () => {
    const p: NetworkParams = { ...REG, minimumChainWork: 2n * 7001n };
    const main = new ChainBuilder(p, { seed: 'min', spacing: 60 });
    main.extend(9000);
    const peer = chainOf(main, p);
    const ours = new HeaderChain(p);
    const first = serve(peer, ours.blockLocator());
    const { steps, heightsDuringPresync } = drive(ours, peer, first);
    expect(heightsDuringPresync.length).toBeGreaterThan(2);
    expect(heightsDuringPresync.every((h) => h === 0)).toBe(true);
    expect(steps[steps.length - 1].kind).toBe('done');
    expect(ours.height).toBe(9000);
    expect(ours.isBelowMinimumWork()).toBe(false);
    // A chain that stops short of the minimum is never stored.
    const lowPeer = new HeaderChain(p);
    const lowBuilder = new ChainBuilder(p, { seed: 'low', spacing: 60 });
    const lowHeaders = lowBuilder.extend(6000);
    for (let i = 0; i < lowHeaders.length; i += 2000) lowPeer.acceptHeaders(lowHeaders.slice(i, i + 2000), FAR_FUTURE);
    const fresh = new HeaderChain(p);
    const low = drive(fresh, lowPeer, serve(lowPeer, fresh.blockLocator()));
    expect(low.steps[low.steps.length - 1]).toMatchObject({ kind: 'failed', code: 'low_work_chain' });
    expect(fresh.height).toBe(0);
  });
});
