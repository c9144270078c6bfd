// Interop with an independent implementation: python-bitcoinlib (Debian python3-bitcoinlib,
// installed by .ci/run) as the other side, in both directions. Our bytes must decode in their
// code, and theirs in ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { probePeer } from '../../src/bitcoin/probe.js';
import { PROTOCOL_VERSION, USER_AGENT } from '../../src/bitcoin/constants.js';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { LocalBlockChain } from '../../src/bitcoin/local-blocks.js';
import { spendTx } from '../../src/tx/builder.js';
import { hashToDisplay, toHex } from '../../src/util/bytes.js';
import { commandWorks, describeIfAvailable } from '../helpers/extra-suite.js';

const PEER = resolve(dirname(fileURLToPath(import.meta.url)), 'bitcoinlib_peer.py');
const PYTHON = '/usr/bin/python3'; // Debian's python, where python3-bitcoinlib lives
const describeInterop = describeIfAvailable(
  // The modules the peer script imports (a bare `import bitcoin` also succeeds for an empty
  // bitcoin/ folder, which Python takes as a namespace package).
  commandWorks(PYTHON, ['-c', 'import bitcoin.messages, bitcoin.net, bitcoin.core']),
  'the python-bitcoinlib interop suite',
  "Debian's python3-bitcoinlib is not installed (apt-get install python3-bitcoinlib to run it; .ci/run does)",
);

interface PyEvent {
  kind: string;
  command?: string | null;
  [k: string]: unknown;
}

function runPeer(args: string[]): { child: ChildProcess; events: PyEvent[]; waitFor: (pred: (e: PyEvent) => boolean, ms?: number) => Promise<PyEvent>; exited: Promise<number | null> } {
  const child = spawn(PYTHON, [PEER, ...args]);
  const events: PyEvent[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('EVENT ')) events.push(JSON.parse(line.slice(6)) as PyEvent);
      waiters.splice(0).forEach((w) => w());
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitFor = async (pred: (e: PyEvent) => boolean, ms = 15000): Promise<PyEvent> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`python peer: no matching event; events=${JSON.stringify(events)} stderr=${stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  };
  return { child, events, waitFor, exited };
}

describeInterop.each([70016, 70015])('our client -> python-bitcoinlib peer speaking %d', (protover) => {
  test('handshake and ping decode on both sides', async () => {
    const peer = runPeer(['server', '0', 'regtest', String(protover)]);
    try {
      const listening = await peer.waitFor((e) => e.kind === 'listening');
      const report = await probePeer(NETWORKS.regtest, { host: '127.0.0.1', port: listening.port as number }, { timeoutMs: 10000 });
      // Theirs decoded in ours:
      expect(report.userAgent).toBe('/python-bitcoinlib-interop:0.11/');
      expect(report.version).toBe(protover);
      expect(report.startHeight).toBe(1234);
      expect(report.relay).toBe(false);
      expect(report.serviceNames).toEqual(['NETWORK', 'WITNESS']);
      expect(report.pingMs).toBeDefined();
      // Ours decoded in theirs:
      const v = await peer.waitFor((e) => e.kind === 'recv' && e.command === 'version');
      expect(v.version).toBe(PROTOCOL_VERSION);
      expect(v.user_agent).toBe(USER_AGENT);
      expect(v.services).toBe(0);
      expect(v.relay).toBe(false);
      expect(v.addr_recv_ip).toBe('127.0.0.1');
      await peer.waitFor((e) => e.kind === 'recv' && e.command === 'verack');
      const ping = await peer.waitFor((e) => e.kind === 'answered_ping');
      expect(ping.nonce).not.toBe('0');
      // wtxidrelay + sendaddrv2 (unknown to python-bitcoinlib) only go to 70016 peers.
      const unknown = peer.events.filter((e) => e.kind === 'recv' && e.command === null).length;
      expect(unknown).toBe(protover >= 70016 ? 2 : 0);
    } finally {
      peer.child.kill();
    }
  });
});

describeInterop('python-bitcoinlib client -> spv serve', () => {
  test('python-bitcoinlib client -> spv serve: handshake, ping/pong, getaddr/addr', async () => {
    const served = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--addr', '127.0.0.5:18444', '--log-level', 'error'], /listening on 127\.0\.0\.1:(\d+)/);
    try {
      const port = served.match[1] as string;
      const peer = runPeer(['client', '127.0.0.1', port, 'regtest', '70016']);
      await peer.waitFor((e) => e.kind === 'done');
      expect(await peer.exited).toBe(0);
      const v = peer.events.find((e) => e.kind === 'recv' && e.command === 'version');
      expect(v?.version).toBe(PROTOCOL_VERSION);
      expect(v?.user_agent).toBe(USER_AGENT);
      const addr = peer.events.find((e) => e.kind === 'recv' && e.command === 'addr');
      expect(addr?.addrs).toEqual([{ ip: '127.0.0.5', port: 18444, services: 0 }]);
      expect(peer.events.some((e) => e.kind === 'recv' && e.command === 'pong')).toBe(true);
    } finally {
      expect(await stop(served.child)).toBe(0);
    }
  });
});

describeInterop('transaction relay with python-bitcoinlib', () => {
  const regtest = NETWORKS.regtest;
  const chain = LocalBlockChain.generate(regtest, { blocks: 110, seed: 'interop-tx' });
  const coin = (i: number) => chain.unspentOf(chain.minerScript)[i]!;
  const segwit = (i: number) => spendTx({ spends: [{ prevout: coin(i).outpoint, spentScript: coin(i).script }], outputs: [{ value: coin(i).value - 1000n, scriptPubKey: chain.payeeScript }] });

  test('spv broadcast -> python peer (70015, txid relay): MSG_TX announced, asked as MSG_WITNESS_TX, their decode has our txid and witness', async () => {
    const peer = runPeer(['txserver', '0', 'regtest', '70015']);
    try {
      const listening = await peer.waitFor((e) => e.kind === 'listening');
      const tx = segwit(0);
      const r = await runCli(['broadcast', toHex(tx.raw), '--regtest', '--connect', `127.0.0.1:${listening.port as number}`, '--json', '--log-level', 'warn']);
      expect(r.code).toBe(0);
      const inv = await peer.waitFor((e) => e.kind === 'recv' && e.command === 'inv');
      expect(inv.items).toEqual([{ type: 1, hash: hashToDisplay(tx.txid) }]);
      const got = await peer.waitFor((e) => e.kind === 'recv' && e.command === 'tx');
      expect(got.txid).toBe(hashToDisplay(tx.txid));
      expect(got.has_witness).toBe(true);
      expect(got.hex).toBe(toHex(tx.raw));
      const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok: boolean; peers: { requested: string[] }[] };
      expect(report.ok).toBe(true);
      expect(report.peers[0]!.requested).toEqual(['MSG_WITNESS_TX']);
    } finally {
      peer.child.kill();
    }
  });

  test('python peer -> spv serve --blocks: an unsolicited tx built by their code is accepted into the mempool', async () => {
    const served = await startCli(['serve', '--regtest', '--generate', '110', '--seed', 'interop-tx', '--blocks', '--listen', '127.0.0.1:0', '--json', '--log-level', 'error'], /"address":"127\.0\.0\.1:(\d+)"/);
    try {
      const tx = segwit(1);
      const peer = runPeer(['sendtx', '127.0.0.1', served.match[1] as string, 'regtest', toHex(tx.raw)]);
      const sent = await peer.waitFor((e) => e.kind === 'sent_tx');
      expect(sent.txid).toBe(hashToDisplay(tx.txid));
      await peer.waitFor((e) => e.kind === 'done');
      for (let i = 0; i < 100 && !served.output().includes('mempool_accept'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(served.output()).toContain(`"event":"mempool_accept","txid":"${hashToDisplay(tx.txid)}"`);
    } finally {
      expect(await stop(served.child)).toBe(0);
    }
  });
});
