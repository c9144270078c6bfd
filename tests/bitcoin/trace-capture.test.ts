// The message observer on real TCP: a client syncing headers from a local peer, both traced and
// both capturing in Core's format. What the client captured as sent is what the server captured
// as received, byte for byte and in order; the trace names headers by height; a torn capture
// record left by a crash is cut before new records are appended.
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETWORKS } from '../../src/params/networks.js';
import { toHex } from '../../src/util/bytes.js';
import { createBitcoinNode } from '../../src/bitcoin/node.js';
import { HeaderServer } from '../../src/bitcoin/header-server.js';
import { HeaderSync } from '../../src/bitcoin/header-sync.js';
import { generatedChain } from '../../src/bitcoin/local-chain.js';
import { MessageTracer } from '../../src/bitcoin/trace.js';
import { CaptureWriter } from '../../src/bitcoin/capture-writer.js';
import { combineObservers } from '../../src/net/observer.js';
import { NODE_P2P_V2 } from '../../src/bitcoin/services.js';
import { HeaderChain } from '../../src/chain/header-chain.js';
import { parseCaptureFile, CAPTURE_RECV_FILE, CAPTURE_SENT_FILE, type CaptureRecord } from '../../src/wire/capture.js';
import type { Message } from '../../src/wire/message.js';

const regtest = NETWORKS.regtest;
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'spv-capture-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The records of the one peer folder under `dir`. */
function records(dir: string, file: string): CaptureRecord[] {
  const peers = readdirSync(dir);
  expect(peers).toHaveLength(1);
  const parsed = parseCaptureFile(new Uint8Array(readFileSync(join(dir, peers[0]!, file))));
  expect(parsed.tornBytes).toBe(0);
  return parsed.records;
}

/** A microsecond clock that only moves when asked: records get distinct, known times. */
function stepClock(start: bigint): () => bigint {
  let t = start;
  return () => (t += 10n);
}

test('client and server captures agree byte for byte; the trace names headers by height', async () => {
  const served = generatedChain(regtest, 2500, 'trace');
  const serverDir = tmp();
  const clientDir = tmp();
  const serverCapture = new CaptureWriter(serverDir);
  const clientCapture = new CaptureWriter(clientDir, { clockUs: stepClock(1_800_000_000_000_000n) });
  const serverLines: string[] = [];
  const clientLines: string[] = [];
  const serverTrace = new MessageTracer({ mode: 'summary', write: (t) => serverLines.push(t), magic: regtest.magic });
  const chain = new HeaderChain(regtest);
  const clientTrace = new MessageTracer({
    mode: 'summary',
    write: (t) => clientLines.push(t),
    magic: regtest.magic,
    heightOf: (h) => (chain.heightOf(h) < 0 ? undefined : chain.heightOf(h)),
  });

  const server = createBitcoinNode({ params: regtest, startHeight: () => served.height, observer: combineObservers<Message>(serverTrace, serverCapture) });
  server.protocol.use(new HeaderServer(served));
  const { port } = await server.manager.listen({ host: '127.0.0.1', port: 0 });
  const sync = new HeaderSync({ chain });
  const client = createBitcoinNode({ params: regtest, startHeight: () => chain.height, observer: combineObservers<Message>(clientTrace, clientCapture) });
  client.protocol.use(sync);
  try {
    const done = once(sync, 'synced');
    await client.manager.connect({ host: '127.0.0.1', port });
    await done;
    expect(chain.height).toBe(2500);
  } finally {
    await client.manager.close();
    await server.manager.close();
    clientCapture.close();
    serverCapture.close();
  }

  // What the client sent is what the server received: same types, same payloads, same order
  // (the server may still have been reading when we closed, so compare its prefix).
  const sent = records(clientDir, CAPTURE_SENT_FILE);
  const got = records(serverDir, CAPTURE_RECV_FILE);
  expect(sent.length).toBeGreaterThan(5);
  expect(got.length).toBeLessThanOrEqual(sent.length);
  expect(got.map((r) => [r.command, toHex(r.payload)])).toEqual(sent.slice(0, got.length).map((r) => [r.command, toHex(r.payload)]));
  expect(sent[0]!.command).toBe('version');
  // And the other way round.
  const clientGot = records(clientDir, CAPTURE_RECV_FILE);
  const serverSent = records(serverDir, CAPTURE_SENT_FILE);
  expect(clientGot.map((r) => [r.command, toHex(r.payload)])).toEqual(serverSent.slice(0, clientGot.length).map((r) => [r.command, toHex(r.payload)]));
  expect(clientGot.filter((r) => r.command === 'headers').length).toBeGreaterThanOrEqual(2);
  // One clock for both of the client's files: every record a distinct, increasing time.
  const times = [...sent, ...clientGot].map((r) => r.timeUs).sort((a, b) => (a < b ? -1 : 1));
  expect(new Set(times).size).toBe(times.length);
  expect(times[0]).toBeGreaterThan(1_800_000_000_000_000n);

  // The trace: one line per message, both directions, the headers by height.
  const line = /^\d\d:\d\d:\d\d\.\d{3} (in|out)#\d+ 127\.0\.0\.1:\d+ (← recv|→ sent) v1 +\d+ B {2}\S/;
  for (const l of [...clientLines, ...serverLines]) expect(l).toMatch(line);
  expect(clientLines.some((l) => /→ sent v1 +\d+ B {2}version 70016 \/spv:0\.1\.0\/ h=0 /.test(l))).toBe(true);
  expect(clientLines.some((l) => l.endsWith('headers 2000 (1..2000)'))).toBe(true);
  expect(clientLines.some((l) => l.endsWith('headers 500 (2001..2500)'))).toBe(true);
  expect(clientLines.filter((l) => / ← recv /.test(l))).toHaveLength(clientGot.length);
});

test('the trace in fields and hex modes, as JSON lines', async () => {
  const server = createBitcoinNode({ params: regtest, startHeight: () => 7 });
  const { port } = await server.manager.listen({ host: '127.0.0.1', port: 0 });
  const lines: string[] = [];
  const client = createBitcoinNode({
    params: regtest,
    observer: new MessageTracer({ mode: 'hex', json: true, write: (t) => lines.push(t), magic: regtest.magic }),
  });
  try {
    const ready = once(client.protocol, 'ready');
    await client.manager.connect({ host: '127.0.0.1', port });
    await ready;
  } finally {
    await client.manager.close();
    await server.manager.close();
  }
  const objs = lines.map((l) => JSON.parse(l) as { direction: string; command: string; size: number; hex: string; spans: { offset: number; length: number; name: string }[]; fields: Record<string, unknown> });
  const theirs = objs.find((o) => o.direction === 'recv' && o.command === 'version')!;
  expect(theirs.fields.startHeight).toBe(7);
  expect(theirs.hex.length / 2).toBe(theirs.size);
  expect(theirs.spans.reduce((n, s) => n + s.length, 0)).toBe(theirs.size);
  expect(theirs.spans[0]).toMatchObject({ offset: 0, length: 4, name: 'magic' });
  expect(theirs.hex.startsWith(toHex(regtest.magic))).toBe(true);
});

test('over BIP324 v2: the trace says v2, each sent size is the packet the other side received; captures hold the same payloads', async () => {
  const served = generatedChain(regtest, 300, 'trace-v2');
  type Json = { direction: string; transport: string; command: string; size: number };
  const serverLines: string[] = [];
  const clientLines: string[] = [];
  const serverDir = tmp();
  const clientDir = tmp();
  const serverCapture = new CaptureWriter(serverDir);
  const clientCapture = new CaptureWriter(clientDir);
  const server = createBitcoinNode({
    params: regtest,
    v2transport: true,
    services: NODE_P2P_V2,
    startHeight: () => served.height,
    observer: combineObservers<Message>(new MessageTracer({ mode: 'summary', json: true, write: (t) => serverLines.push(t), magic: regtest.magic }), serverCapture),
  });
  server.protocol.use(new HeaderServer(served));
  const { port } = await server.manager.listen({ host: '127.0.0.1', port: 0 });
  const chain = new HeaderChain(regtest);
  const sync = new HeaderSync({ chain });
  const client = createBitcoinNode({
    params: regtest,
    v2transport: true,
    startHeight: () => chain.height,
    observer: combineObservers<Message>(new MessageTracer({ mode: 'summary', json: true, write: (t) => clientLines.push(t), magic: regtest.magic }), clientCapture),
  });
  client.protocol.use(sync);
  try {
    const done = once(sync, 'synced');
    const peer = await client.manager.connect({ host: '127.0.0.1', port }, undefined, 'v2');
    await done;
    expect(peer.transport).toBe('v2');
    expect(chain.height).toBe(300);
  } finally {
    await client.manager.close();
    await server.manager.close();
    clientCapture.close();
    serverCapture.close();
  }
  const c = clientLines.map((l) => JSON.parse(l) as Json);
  const sv = serverLines.map((l) => JSON.parse(l) as Json);
  for (const e of [...c, ...sv]) expect(e.transport).toBe('v2');
  // Sizes we compute for sent messages = the encrypted packet sizes the transport read on the other end.
  const sentByClient = c.filter((e) => e.direction === 'sent').map((e) => [e.command, e.size]);
  const recvByServer = sv.filter((e) => e.direction === 'recv').map((e) => [e.command, e.size]);
  expect(recvByServer.length).toBeGreaterThan(3);
  expect(recvByServer).toEqual(sentByClient.slice(0, recvByServer.length));
  const sentByServer = sv.filter((e) => e.direction === 'sent').map((e) => [e.command, e.size]);
  const recvByClient = c.filter((e) => e.direction === 'recv').map((e) => [e.command, e.size]);
  expect(recvByClient).toEqual(sentByServer.slice(0, recvByClient.length));
  // A v2 headers packet of 300 headers: 3 length + 1 header + 1 short id + 1 + 300 × 81 payload + 16 tag.
  expect(recvByClient).toContainEqual(['headers', 3 + 1 + 1 + 3 + 300 * 81 + 16]);
  // The capture holds payloads (as Core's does for v2 peers), the same on both ends.
  const sent = records(clientDir, CAPTURE_SENT_FILE);
  const got = records(serverDir, CAPTURE_RECV_FILE);
  expect(got.map((r) => [r.command, toHex(r.payload)])).toEqual(sent.slice(0, got.length).map((r) => [r.command, toHex(r.payload)]));
});

test('a record torn by a crash is cut off before new records are appended', () => {
  const dir = tmp();
  const w1 = new CaptureWriter(dir, { clockUs: stepClock(1n) });
  const fakePeer = { address: { host: '127.0.0.1', port: 18444 } } as never;
  w1.message(fakePeer, 'sent', { command: 'ping', nonce: 1n }, 32, undefined);
  w1.close();
  const file = join(dir, '127.0.0.1_18444', CAPTURE_SENT_FILE);
  appendFileSync(file, Buffer.from('0102030405', 'hex')); // half a record header: kill -9 mid-write
  expect(parseCaptureFile(new Uint8Array(readFileSync(file))).tornBytes).toBe(5);
  const w2 = new CaptureWriter(dir, { clockUs: stepClock(100n) });
  w2.message(fakePeer, 'sent', { command: 'pong', nonce: 2n }, 32, undefined);
  w2.close();
  const p = parseCaptureFile(new Uint8Array(readFileSync(file)));
  expect(p.tornBytes).toBe(0);
  expect(p.records.map((r) => r.command)).toEqual(['ping', 'pong']);
});
