// The describers of wire/describe: golden summaries, field listings and annotated dumps for
// every message type (tests/wire/describe.golden.txt; regenerate with UPDATE_GOLDEN=1 and read
// the diff), a property test that every byte of every message type is named exactly once, and
// cross-checks against the reference vectors' decoded fields.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { fromHex, hashToDisplay, toHex } from '../../src/util/bytes.js';
import { sha256d } from '../../src/util/hash.js';
import type { Message } from '../../src/wire/message.js';
import { encodeMessage, encodePayload, commandName, decodePayload, isKnownCommand } from '../../src/wire/envelope.js';
import { makeTx } from '../../src/tx/tx.js';
import { makeBlock } from '../../src/tx/block.js';
import {
  annotateFrame,
  annotatePayload,
  messageFields,
  renderDump,
  renderFields,
  summarizeMessage,
  type AnnotatedBytes,
} from '../../src/wire/describe/index.js';
import { DUMP_HEAD, DUMP_MAX_FIELDS, DUMP_TAIL } from '../../src/wire/describe/render.js';
import { ARBITRARIES, MAINNET_MAGIC, VECTORS, decodeOne, magicFor } from './helpers.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'describe.golden.txt');

/** A segwit spend and a block holding a coinbase and it: fixed fields, so the golden text is stable. */
function txAndBlock(): { tx: Message; block: Message } {
  const spend = makeTx({
    version: 2,
    inputs: [{ prevout: { txid: fromHex('11'.repeat(32)), vout: 1 }, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [fromHex('30440220' + 'ab'.repeat(32)), fromHex('02' + 'cd'.repeat(32))] }],
    outputs: [
      { value: 50_000_000n, scriptPubKey: fromHex('0014' + '22'.repeat(20)) },
      { value: 1_234n, scriptPubKey: fromHex('a914' + '33'.repeat(20) + '87') },
    ],
    lockTime: 800_000,
  });
  const coinbase = makeTx({
    version: 1,
    inputs: [{ prevout: { txid: new Uint8Array(32), vout: 0xffffffff }, scriptSig: fromHex('03a0860101'), sequence: 0xffffffff, witness: [] }],
    outputs: [{ value: 625_000_000n, scriptPubKey: fromHex('0014' + '44'.repeat(20)) }],
    lockTime: 0,
  });
  const header = fromHex('00000020' + '55'.repeat(32) + '66'.repeat(32) + '29ab5f49' + 'ffff7f20' + '02000000');
  return { tx: { command: 'tx', tx: spend }, block: { command: 'block', block: makeBlock(header, [coinbase, spend]) } };
}

/** One message per command (the reference vectors, plus tx, block, sendtxrcncl and an unknown command). */
function fixtures(): [string, Message, Uint8Array][] {
  const out: [string, Message, Uint8Array][] = [];
  for (const [key, v] of Object.entries(VECTORS)) out.push([key, decodeOne(magicFor(v.network), v.hex), fromHex(v.hex)]);
  const { tx, block } = txAndBlock();
  const regtest = magicFor('regtest');
  out.push(['tx_segwit', tx, encodeMessage(regtest, tx)]);
  out.push(['block_2tx', block, encodeMessage(regtest, block)]);
  // BIP330 sendtxrcncl: version 1 (uint32 LE), salt 0xefcdab8967452301 (uint64 LE).
  const rcncl = decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'sendtxrcncl', payload: fromHex('010000000123456789abcdef') })));
  out.push(['sendtxrcncl', rcncl, encodeMessage(MAINNET_MAGIC, rcncl)]);
  // A command nobody defines (Core's parser: "Unrecognized message type").
  const unknown: Message = { command: 'unknown', name: 'xyzzy', payload: fromHex('010000000123456789abcdef') };
  out.push(['unknown_xyzzy', unknown, encodeMessage(MAINNET_MAGIC, unknown)]);
  return out;
}

function describeAll(): string {
  return fixtures()
    .map(([key, m, frame]) => [`=== ${key}`, summarizeMessage(m), ...renderDump(annotateFrame(frame, m)), ...renderFields(messageFields(m))].join('\n'))
    .join('\n\n')
    .concat('\n');
}

/** Spans in order, back to back, covering every byte once. */
function expectContiguous(a: AnnotatedBytes): void {
  let at = 0;
  for (const s of a.spans) {
    expect(s.offset).toBe(at);
    at += s.length;
  }
  expect(at).toBe(a.bytes.length);
}

test('golden: summary, annotated dump and fields of every message type', () => {
  const text = describeAll();
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
  expect(existsSync(GOLDEN)).toBe(true);
  expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
});

test('the golden fixtures cover every command of the message union', () => {
  const covered = new Set(fixtures().map(([, m]) => m.command));
  for (const c of Object.keys(ARBITRARIES)) expect(covered.has(c as Message['command'])).toBe(true);
});

test.each(Object.keys(ARBITRARIES))('every byte of any %s is named exactly once, and the bytes are its encoding', (command) => {
  fc.assert(
    fc.property(ARBITRARIES[command as Message['command']], (m) => {
      const a = annotatePayload(m);
      expectContiguous(a);
      expect(toHex(a.bytes)).toBe(toHex(encodePayload(m)));
      const frame = annotateFrame(encodeMessage(MAINNET_MAGIC, m), m);
      expectContiguous(frame);
      expect(frame.spans.slice(0, 4).map((s) => s.name)).toEqual(['magic', 'command', 'length', 'checksum']);
      expect(summarizeMessage(m).startsWith(commandName(m))).toBe(true);
      expect(() => JSON.stringify(messageFields(m))).not.toThrow();
    }),
    { numRuns: 40 },
  );
});

test('the version vector: fields and dump values agree with the reference decoding', () => {
  const v = VECTORS.version!;
  const m = decodeOne(MAINNET_MAGIC, v.hex);
  const f = messageFields(m) as Record<string, unknown>;
  expect(f.userAgent).toBe(v.decoded.user_agent);
  expect(f.startHeight).toBe(v.decoded.start_height);
  expect(BigInt(f.nonce as string)).toBe(BigInt(v.decoded.nonce));
  expect(f.addrRecv).toMatchObject({ host: v.decoded.addr_recv.ip, port: v.decoded.addr_recv.port });
  const spans = annotateFrame(fromHex(v.hex), m).spans;
  const byName = new Map(spans.map((s) => [s.name, s]));
  expect(byName.get('version.user_agent')?.value).toBe(JSON.stringify(v.decoded.user_agent));
  expect(byName.get('version.addr_from.ip')?.value).toBe(v.decoded.addr_from.ip);
  expect(byName.get('checksum')?.value).toBe(`${v.header.checksum} (matches)`);
  expect(summarizeMessage(m)).toBe(`version ${v.decoded.version} ${v.decoded.user_agent} h=${v.decoded.start_height} NETWORK relay=1`);
});

test('headers are named by height when the chain knows the parent', () => {
  const v = VECTORS.headers_1_to_3!;
  const m = decodeOne(MAINNET_MAGIC, v.hex);
  const genesis = sha256d(fromHex('0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c'));
  const known = new Map([[toHex(genesis), 0]]);
  expect(summarizeMessage(m, { heightOf: (h) => known.get(toHex(h)) })).toBe('headers 3 (1..3)');
  // Without a chain: first and last hash, short.
  expect(summarizeMessage(m)).toMatch(/^headers 3 \(00000000…18eb6048\.\.00000000…95464449\)$/);
  expect(hashToDisplay(sha256d(m.command === 'headers' ? m.headers[0]! : new Uint8Array()))).toMatch(/18eb6048$/);
});

test('inventory summaries count by type', () => {
  const h = (b: number): Uint8Array => new Uint8Array(32).fill(b);
  const m: Message = { command: 'inv', items: [{ type: 5, hash: h(1) }, { type: 5, hash: h(2) }, { type: 2, hash: h(3) }] };
  expect(summarizeMessage(m)).toBe('inv 3: 2 wtx, 1 block');
});

test('a long payload is elided in the middle with a count of what is hidden; --full shows all', () => {
  const headers = Array.from({ length: 2000 }, (_, i) => new Uint8Array(80).fill(i & 0xff));
  const m: Message = { command: 'headers', headers };
  const a = annotateFrame(encodeMessage(MAINNET_MAGIC, m), m);
  const total = a.spans.length; // 4 header fields + count + 2000 x (6 header fields + tx count)
  expect(total).toBe(4 + 1 + 2000 * 7);
  const lines = renderDump(a);
  expect(lines).toHaveLength(DUMP_HEAD + 1 + DUMP_TAIL);
  const hidden = a.spans.slice(DUMP_HEAD, total - DUMP_TAIL);
  const hiddenBytes = hidden.reduce((n, s) => n + s.length, 0);
  expect(lines[DUMP_HEAD]).toContain(`… ${hidden.length.toLocaleString('en-US')} fields (${hiddenBytes.toLocaleString('en-US')} bytes) not shown …`);
  const lastOffset = (a.bytes.length - 1).toString(16);
  expect(lines[lines.length - 1]).toMatch(new RegExp(`^${lastOffset} {2}00 +headers\\.tx_count\\[1999\\] +0$`));
  expect(renderDump(a, { full: true })).toHaveLength(total);
  expect(total).toBeGreaterThan(DUMP_MAX_FIELDS);
});

test('bytes a lenient decoder ignored are shown, not hidden', () => {
  // Core reads nothing after version's relay byte; we decode the same way.
  const v = VECTORS.version!;
  const frame = fromHex(v.hex);
  const payload = Uint8Array.from([...frame.subarray(24), 0xde, 0xad]);
  const m = decodeOne(MAINNET_MAGIC, toHex(encodeMessage(MAINNET_MAGIC, { command: 'unknown', name: 'version', payload })));
  const a = annotatePayload(m, payload);
  expectContiguous(a);
  expect(a.spans.at(-1)).toMatchObject({ name: 'version.ignored', length: 2 });
  expect(isKnownCommand('version')).toBe(true);
});

test('sendtxrcncl (BIP330): uint32 LE version, uint64 LE salt, 12 bytes exactly', () => {
  const payload = fromHex('010000000123456789abcdef');
  const m = decodePayload('sendtxrcncl', payload);
  expect(m).toEqual({ command: 'sendtxrcncl', version: 1, salt: 0xefcdab8967452301n });
  expect(isKnownCommand('sendtxrcncl')).toBe(true);
  expect(summarizeMessage(m)).toBe('sendtxrcncl version=1 salt=0xefcdab8967452301');
  expect(messageFields(m)).toEqual({ version: 1, salt: '17279655951921914625' });
  expect(annotatePayload(m).spans.map((s) => [s.offset, s.length, s.name, s.value])).toEqual([
    [0, 4, 'sendtxrcncl.version', '1'],
    [4, 8, 'sendtxrcncl.salt', '17279655951921914625'],
  ]);
  expect(toHex(encodePayload(m))).toBe(toHex(payload));
  expect(() => decodePayload('sendtxrcncl', payload.subarray(0, 11))).toThrow(/sendtxrcncl\.salt/);
  expect(() => decodePayload('sendtxrcncl', Uint8Array.from([...payload, 0]))).toThrow();
});
