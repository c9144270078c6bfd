// `spv broadcast` and the pending part of `spv watch` as a user runs them, against `spv serve`
// processes: refusals before any traffic, broadcast → requested and sent → mined →
// `--wait-confirm` reports the height; a peer that never asks → exit 1 with reasons; watch sees
// the payment pending, then confirmed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tripwire } from '../helpers/tripwire.js';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { NETWORKS } from '../../src/params/networks.js';
import { hashToDisplay, toHex } from '../../src/util/bytes.js';
import { encodeAddress } from '../../src/wallet/address.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { p2pkhScript, p2wpkhScript, spendTx } from '../../src/tx/builder.js';
import type { Tx } from '../../src/tx/tx.js';

const regtest = NETWORKS.regtest;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-cli-broadcast-'));
  dirs.push(d);
  return d;
}
const ourScript = p2wpkhScript(new Uint8Array(20).fill(0x61));
const ourAddress = encodeAddress(ourScript, regtest);
// The same chain `spv serve --generate 110 --seed bc --pay ourAddress:1@105` generates.
const chain = LocalBlockChain.generate(regtest, { blocks: 110, seed: 'bc', payments: [{ kind: 'pay', script: ourScript, amount: 100_000_000n, height: 105 }] });
const serveArgs = ['serve', '--regtest', '--generate', '110', '--seed', 'bc', '--pay', `${ourAddress}:1@105`, '--listen', '127.0.0.1:0'];
function payUs(coin: number, amount = 25_000n): Tx {
  const c = chain.unspentOf(chain.minerScript)[coin]!;
  return spendTx({ spends: [{ prevout: c.outpoint, spentScript: c.script }], outputs: [{ value: amount, scriptPubKey: ourScript }, { value: c.value - amount - 1000n, scriptPubKey: chain.minerScript }] });
}

const good = payUs(0);
const dupInputs = spendTx({ spends: [{ prevout: good.inputs[0]!.prevout }, { prevout: good.inputs[0]!.prevout }], outputs: [{ value: 1n, scriptPubKey: ourScript }] });
test.each([
  ['not hex', 'zz', /not hex/],
  ['truncated', toHex(good.raw).slice(0, 60), /TX decode failed/],
  ['trailing bytes', `${toHex(good.raw)}00`, /extra data after transaction/],
  ['duplicate inputs', toHex(dupInputs.raw), /bad-txns-inputs-duplicate/],
])('%s: refused with the reason, exit 2, nothing dialed', async (_what, hex, message) => {
  const wire = await tripwire();
  try {
    const r = await runCli(['broadcast', hex, '--regtest', '--connect', `127.0.0.1:${wire.port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(wire.dialed()).toBe(false);
  } finally {
    await wire.close();
  }
});

test('broadcast to spv serve: requested, sent, mined; --wait-confirm 2 reports the height (and @file input)', async () => {
  const srv = await startCli([...serveArgs, '--mine-every', '300', '--json'], /"address":"(127\.0\.0\.1:\d+)"/);
  try {
    const tx = payUs(1);
    const file = join(tmp(), 'tx.hex');
    writeFileSync(file, `${toHex(tx.raw)}\n`);
    const r = await runCli(['broadcast', `@${file}`, '--regtest', '--connect', srv.match[1]!, '--datadir', tmp(), '--wait-confirm', '2', '--json', '--log-level', 'warn'], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; ok?: boolean; height?: number; confirmations?: number; peers?: { requested: string[]; sentBytes: number }[] });
    const report = events.find((e) => e.event === 'broadcast')!;
    expect(report.ok).toBe(true);
    expect(report.peers![0]).toMatchObject({ requested: ['MSG_WTX'], sentBytes: tx.raw.length });
    const confirmed = events.find((e) => e.event === 'confirmed')!;
    expect(confirmed.confirmations).toBe(2);
    // The server says which block it mined the transaction into.
    const mined = srv.output().split('\n').filter((l) => l.includes('"mined"')).map((l) => JSON.parse(l) as { height: number; txids: string[] });
    expect(mined.find((m) => m.txids.includes(hashToDisplay(tx.txid)))?.height).toBe(confirmed.height);

    // A bare --wait-confirm (last, no value) means 1 block; --trace shows the announcement and the tx going out.
    const tx2 = payUs(3);
    const r2 = await runCli(['broadcast', toHex(tx2.raw), '--regtest', '--connect', srv.match[1]!, '--datadir', tmp(), '--json', '--log-level', 'warn', '--trace', '--wait-confirm'], { timeoutMs: 30_000 });
    expect({ code: r2.code, stderr: r2.stderr }).toMatchObject({ code: 0 });
    const confirmed2 = r2.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; confirmations?: number }).find((e) => e.event === 'confirmed');
    expect(confirmed2?.confirmations).toBe(1);
    const traced = r2.stderr.trim().split('\n').map((l) => JSON.parse(l) as { direction: string; command: string; size: number });
    expect(traced.filter((e) => e.direction === 'sent' && e.command === 'inv')).toHaveLength(1);
    expect(traced.filter((e) => e.direction === 'recv' && e.command === 'getdata').length).toBeGreaterThanOrEqual(1);
    expect(traced.some((e) => e.direction === 'sent' && e.command === 'tx')).toBe(true);
  } finally {
    await stop(srv.child);
  }
});

test('a peer that never asks for it: exit 1 at --timeout with the per-peer reason (and - for stdin)', async () => {
  // A header-only spv serve has no mempool: it never requests transactions.
  const srv = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0'], /listening on (127\.0\.0\.1:\d+)/);
  try {
    const c = chain.unspentOf(chain.minerScript)[2]!;
    const legacy = spendTx({ spends: [{ prevout: c.outpoint, spentScript: p2pkhScript(new Uint8Array(20)) }], outputs: [{ value: 5000n, scriptPubKey: ourScript }] });
    const r = await runCli(['broadcast', '-', '--regtest', '--connect', srv.match[1]!, '--timeout', '700', '--log-level', 'warn'], { input: toHex(legacy.raw) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED: no peer requested and received it/);
    expect(r.stdout).toMatch(/announced MSG_WTX at \d+ ms, not requested/);
    // It advertises no NODE_WITNESS: a segwit transaction is not even announced to it.
    const s = await runCli(['broadcast', toHex(payUs(2).raw), '--regtest', '--connect', srv.match[1]!, '--timeout', '700', '--log-level', 'warn']);
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/not announced, not used: the peer lacks NODE_WITNESS/);
  } finally {
    await stop(srv.child);
  }
});

test('spv watch shows a broadcast payment as pending; balances split confirmed and pending', async () => {
  const srv = await startCli([...serveArgs, '--json'], /"address":"(127\.0\.0\.1:\d+)"/);
  const dir = tmp();
  const watch = await startCli(['watch', '--regtest', '--connect', srv.match[1]!, '--datadir', dir, '--address', ourAddress, '--json', '--log-level', 'warn'], /"event":"balances"/);
  try {
    const tx = payUs(3);
    const b = await runCli(['broadcast', toHex(tx.raw), '--regtest', '--connect', srv.match[1]!, '--log-level', 'warn']);
    expect(b.code).toBe(0);
    const txid = hashToDisplay(tx.txid);
    await waitFor(() => watch.output().includes('"event":"pending"'), 10_000);
    const pending = JSON.parse(watch.output().split('\n').find((l) => l.includes('"event":"pending"'))!) as { txid: string; received: Record<string, string>; announcedBy: string[]; firstSeen: string };
    expect(pending).toMatchObject({ txid, received: { [ourAddress]: '25000' } });
    expect(pending.announcedBy).toHaveLength(1);
    // Exactly the library's PendingPayment (tests/client/tx-api.test.ts), plus the event name.
    expect(Object.keys(pending).sort()).toEqual(['announcedBy', 'event', 'firstSeen', 'received', 'sent', 'spends', 'txid', 'wtxid']);
    expect(Number.isNaN(Date.parse(pending.firstSeen))).toBe(false);
  } finally {
    await stop(watch.child);
    await stop(srv.child);
  }
  const lines = watch.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; addresses?: { pending: string; balance: string }[] });
  const last = lines.filter((l) => l.event === 'balances').pop()!;
  expect(last.addresses![0]).toMatchObject({ balance: '100000000', pending: '25000' });
}, 30_000);

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
