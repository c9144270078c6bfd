// `spv decode`, `spv capture show` and `--trace` / `--capture` as a user runs them: real
// processes, a real `spv serve` on loopback, real capture files.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { runCli, startCli, stop } from '../helpers/cli.js';
import { fromHex } from '../../src/util/bytes.js';
import { parseCaptureFile } from '../../src/wire/capture.js';
import { VECTORS } from '../wire/helpers.js';


const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spv-cli-trace-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The read loop of Core's message-capture-parser.py, without the test framework's decoding. */
const CORE_PARSER_LOOP = `
import json, sys
from pathlib import Path
msgs = []
for f in sys.argv[1:]:
    direction = "recv" if "recv" in Path(f).stem else "sent"
    with open(f, "rb") as fh:
        while True:
            tmp = fh.read(8)
            if not tmp:
                break
            t = int.from_bytes(tmp, "little")
            msgtype = fh.read(12).split(b"\\x00", 1)[0]
            length = int.from_bytes(fh.read(4), "little")
            payload = fh.read(length)
            msgs.append({"direction": direction, "time": t, "size": length, "msgtype": msgtype.decode()})
msgs.sort(key=lambda m: m["time"])
print(json.dumps(msgs))
`;

const CHAIN_FLAG: Record<string, string[]> = { mainnet: [], testnet3: ['--testnet'], testnet4: ['--testnet4'], signet: ['--signet'], regtest: ['--regtest'] };

test('decode: the reference vectors, as hex, as a binary @file and on stdin', async () => {
  const mainnet = Object.values(VECTORS).filter((v) => v.network === 'mainnet');
  const hex = mainnet.map((v) => v.hex).join('');
  const r = await runCli(['decode', hex, '--json']);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as { ok: boolean; frames: { command: string; error: unknown; spans: { offset: number; length: number }[] }[] };
  expect(doc.ok).toBe(true);
  expect(doc.frames.map((f) => f.command)).toEqual(mainnet.map((v) => v.header.command));
  expect(doc.frames.every((f) => f.error === null)).toBe(true);
  // Spans carry offsets into the whole input: the last one ends where the input ends.
  const last = doc.frames.at(-1)!.spans.at(-1)!;
  expect(last.offset + last.length).toBe(hex.length / 2);

  const file = join(tmp(), 'frames.bin');
  writeFileSync(file, fromHex(hex));
  const fromFile = await runCli(['decode', `@${file}`]);
  expect(fromFile.code).toBe(0);
  expect(fromFile.stdout).toContain('frame 1 at offset 0 (125 bytes): version 70002 /Satoshi:0.9.1/ h=333731 NETWORK relay=1');
  expect(fromFile.stdout).toMatch(/^ {2}0078 {2}a3 17 05 00 +version\.start_height +333731$/m);
  const fromStdin = await runCli(['decode', '-'], { input: `${hex.slice(0, 200)}\n${hex.slice(200)}\n` });
  expect(fromStdin.stdout).toBe(fromFile.stdout);
});

test.each(['testnet3', 'testnet4', 'signet', 'regtest'])('decode --%s picks that network\'s magic', async (network) => {
  // The same frames with another network's message start (the checksum covers the payload only).
  const magic = { testnet3: '0b110907', testnet4: '1c163f28', signet: '0a03cf40', regtest: 'fabfb5da' }[network]!;
  const hex = [VECTORS.ping!.hex, VECTORS.headers_1_to_3!.hex].map((h) => magic + h.slice(8)).join('');
  const r = await runCli(['decode', hex, ...CHAIN_FLAG[network]!]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`magic +${magic} \\(${network}\\)`));
  expect(r.stdout).toMatch(/frame 2 at offset 32 \(268 bytes\): headers 3 /);
  const wrong = await runCli(['decode', hex]);
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toContain(`error: magic ${magic} at offset 0 is ${network}'s, not mainnet's (f9beb4d9)`);
});

test('decode --network NAME (the alias of --chain NAME) picks the magic and names another network\'s', async () => {
  const regtestPing = 'fabfb5da' + VECTORS.ping!.hex.slice(8);
  const r = await runCli(['decode', regtestPing, '--network', 'regtest']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/magic +fabfb5da \(regtest\)/);
  expect(r.stdout).toMatch(/frame 1 at offset 0 \(32 bytes\): ping nonce=0x/);
  // Core's chain names work too (`test` is testnet3).
  const asTest = await runCli(['decode', '0b110907' + VECTORS.ping!.hex.slice(8), '--network=test']);
  expect(asTest.code).toBe(0);
  expect(asTest.stdout).toMatch(/magic +0b110907 \(testnet3\)/);
  // The wrong network: the error names whose magic it is and the one expected.
  const wrong = await runCli(['decode', regtestPing, '--network', 'signet']);
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toContain("error: magic fabfb5da at offset 0 is regtest's, not signet's (0a03cf40)");
  // One network only: --network with --chain (or --regtest) naming another is a usage error.
  for (const flags of [['--network', 'regtest', '--chain', 'signet'], ['--network', 'signet', '--regtest']]) {
    const both = await runCli(['decode', regtestPing, ...flags]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/Invalid combination of .*--chain \(--network\)\. Can use at most one\./);
  }
  const unknown = await runCli(['decode', regtestPing, '--network', 'nonet']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown chain "nonet"/);
});

test('decode: hostile frames exit 1 with the error at its offset', async () => {
  const verack = VECTORS.verack!.hex;
  const cases: [string, string[], RegExp][] = [
    [verack.slice(0, -2) + 'e3', [], /error: checksum mismatch at offset 20: header says 5df6e0e3, payload hashes to 5df6e0e2/],
    ['f9beb4d976657261636b00000000000000000005' + '5df6e0e2', [], /error: length field 0x05000000 \(83,886,080\) at offset 16 exceeds 4,000,000/],
    [verack, ['--testnet4'], /error: magic f9beb4d9 at offset 0 is mainnet's, not testnet4's \(1c163f28\)/],
    ['0123456789abcdef000102', ['--command', 'ping'], /error: trailing 3 bytes after `ping` at offset 8/],
    [verack + 'f9beb4d9', [], /frame 2 at offset 24 \(4 bytes\)\n {2}error: truncated header at offset 24: 4 of 24 bytes/],
  ];
  for (const [input, flags, want] of cases) {
    const r = await runCli(['decode', input, ...flags]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(want);
  }
  const odd = await runCli(['decode', 'abc']);
  expect(odd.code).toBe(2);
  expect(odd.stderr).toMatch(/odd number of hex digits/);
});

/** One record of Core's -capturemessages files, built by hand from the layout (capture.md 2):
 * time µs uint64 LE, message type NUL-padded to 12 bytes, payload length uint32 LE, payload. */
function coreRecord(timeUs: bigint, type: string, payloadHex: string): Buffer {
  const payload = Buffer.from(payloadHex, 'hex');
  const head = Buffer.alloc(24);
  head.writeBigUInt64LE(timeUs, 0);
  head.write(type, 8, 'latin1');
  head.writeUInt32LE(payload.length, 20);
  return Buffer.concat([head, payload]);
}

test('capture show: a Core capture with BIP330 sendtxrcncl (version uint32 LE, salt uint64 LE) decodes it', async () => {
  // What a Core node with -txreconciliation captures from a peer's handshake: ... sendtxrcncl, verack.
  const dir = tmp();
  const peer = join(dir, '[2001_db8__1]_18444');
  mkdirSync(peer);
  const t0 = 1_735_689_600_000_000n;
  writeFileSync(
    join(peer, 'msgs_recv.dat'),
    Buffer.concat([
      coreRecord(t0, 'wtxidrelay', ''),
      coreRecord(t0 + 10n, 'sendaddrv2', ''),
      coreRecord(t0 + 20n, 'sendtxrcncl', '01000000efcdab8967452301'),
      coreRecord(t0 + 30n, 'verack', ''),
      coreRecord(t0 + 40n, 'xyzzy', 'ff'), // nobody's message: Core's parser says "Unrecognized"
    ]),
  );
  const show = await runCli(['capture', 'show', dir]);
  expect(show.code).toBe(0);
  const lines = show.stdout.trim().split('\n');
  expect(lines).toHaveLength(5);
  expect(lines[2]).toBe('2025-01-01T00:00:00.000020Z [2001_db8__1]_18444 ← recv      12 B  sendtxrcncl version=1 salt=0x0123456789abcdef');
  expect(show.stdout).not.toMatch(/sendtxrcncl.*Unrecognized/);
  expect(lines[4]).toMatch(/ {2}xyzzy Unrecognized message type\.$/);

  const arr = JSON.parse((await runCli(['capture', 'show', dir, '--json'])).stdout) as { msgtype: string; size: number; body?: unknown; error?: string; summary: string | null }[];
  const rcncl = arr.find((e) => e.msgtype === 'sendtxrcncl')!;
  expect(rcncl).toMatchObject({ size: 12, body: { version: 1, salt: (0x0123456789abcdefn).toString() } });
  expect(rcncl).not.toHaveProperty('error');

  const hex = await runCli(['capture', 'show', dir, '--view', 'hex']);
  // The record as Core wrote it: 24 bytes of time, msgtype and length, then the payload's fields.
  expect(hex.stdout).toMatch(/^ +0008 {2}73 65 6e 64 74 78 72 63 6e 63 6c 00 +msgtype +"sendtxrcncl"$/m);
  expect(hex.stdout).toMatch(/^ +0018 {2}01 00 00 00 +sendtxrcncl\.version +1$/m);
  expect(hex.stdout).toMatch(/^ +001c {2}ef cd ab 89 67 45 23 01 +sendtxrcncl\.salt +81985529216486895$/m);
  const fields = await runCli(['capture', 'show', dir, '--view', 'fields']);
  expect(fields.stdout).toMatch(/^ {4}version: 1\n {4}salt: 81985529216486895$/m);

  // spv decode: the bare payload, and a whole regtest frame (--network picks the magic).
  const bare = await runCli(['decode', '--command', 'sendtxrcncl', '01000000efcdab8967452301']);
  expect(bare.code).toBe(0);
  expect(bare.stdout).toContain('payload (12 bytes): sendtxrcncl version=1 salt=0x0123456789abcdef');
  const short = await runCli(['decode', '--command', 'sendtxrcncl', '01000000efcdab89674523']);
  expect(short.code).toBe(1);
  expect(short.stdout).toMatch(/error: .*sendtxrcncl\.salt/);
});

test('--trace, --trace=fields --json and --capture on a handshake with spv serve; capture show reads it back', async () => {
  const peer = await startCli(['serve', '--regtest', '--listen', '127.0.0.1:0', '--generate', '10'], /listening on 127\.0\.0\.1:(\d+)/, 60000);
  const port = peer.match[1]!;
  const dir = tmp();
  try {
    // v1 here (spv serve offers both) so the sizes are the plain frames'; the JSON run below is v2.
    const plain = await runCli(['handshake', '--regtest', '--no-v2transport', '--trace', `127.0.0.1:${port}`, '--capture', dir]);
    expect(plain.code).toBe(0);
    const lines = plain.stderr.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} out#1 /.test(l));
    expect(lines[0]).toMatch(/out#1 127\.0\.0\.1:\d+ → sent v1 +121 B {2}version 70016 \/spv:0\.1\.0\/ h=0 NONE relay=0$/);
    expect(lines.some((l) => /← recv v1 +121 B {2}version 70016 \/spv:0\.1\.0\/ h=10 /.test(l))).toBe(true);
    expect(lines.some((l) => / ← recv v1 +32 B {2}pong nonce=0x[0-9a-f]{16}$/.test(l))).toBe(true);
    expect(plain.stderr).not.toMatch(/\x1b\[/); // not a terminal: no colour

    const json = await runCli(['handshake', '--regtest', '--trace=fields', '--json', `127.0.0.1:${port}`]);
    expect(json.code).toBe(0);
    const events = json.stderr.split('\n').filter((l) => l.startsWith('{"time"')).map((l) => JSON.parse(l) as { direction: string; transport: string; command: string; fields: Record<string, unknown> });
    expect(events.length).toBeGreaterThan(4);
    expect(events.every((e) => e.transport === 'v2')).toBe(true); // both offer BIP324: the default
    expect(events.find((e) => e.direction === 'recv' && e.command === 'version')?.fields.startHeight).toBe(10);

    // The capture: one folder for the peer, Core's two files, readable in time order.
    expect(readdirSync(dir)).toEqual([`127.0.0.1_${port}`]);
    const sent = parseCaptureFile(new Uint8Array(readFileSync(join(dir, `127.0.0.1_${port}`, 'msgs_sent.dat'))));
    expect(sent.records.map((r) => r.command).slice(0, 4)).toEqual(['version', 'wtxidrelay', 'sendaddrv2', 'verack']);
    const show = await runCli(['capture', 'show', dir]);
    expect(show.code).toBe(0);
    const shown = show.stdout.trim().split('\n');
    expect(shown[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z 127\\.0\\.0\\.1_${port} → sent +97 B {2}version 70016`));
    expect(shown.length).toBe(lines.length);
    const arr = JSON.parse((await runCli(['capture', 'show', dir, '--json'])).stdout) as { time: string; direction: string; msgtype: string; size: number; body?: unknown }[];
    expect(arr).toHaveLength(lines.length);
    for (let i = 1; i < arr.length; i++) expect(BigInt(arr[i]!.time) >= BigInt(arr[i - 1]!.time)).toBe(true);
    expect(arr.filter((e) => e.direction === 'sent').map((e) => e.msgtype)).toEqual(sent.records.map((r) => r.command));
    expect(arr.find((e) => e.msgtype === 'verack')).not.toHaveProperty('body'); // Core's parser: no body when size is 0
    // An independent reader: the read loop of Core's contrib/message-capture/message-capture-parser.py
    // (24-byte header, type up to the first NUL, direction from the file name, stable sort by time).
    const peerDir = join(dir, `127.0.0.1_${port}`);
    const py = spawnSync('python3', ['-c', CORE_PARSER_LOOP, join(peerDir, 'msgs_recv.dat'), join(peerDir, 'msgs_sent.dat')], { encoding: 'utf8' });
    expect(py.status).toBe(0);
    const theirs = JSON.parse(py.stdout) as { direction: string; time: number; size: number; msgtype: string }[];
    expect(theirs.map((m) => [m.direction, String(m.time), m.size, m.msgtype])).toEqual(arr.map((m) => [m.direction, m.time, m.size, m.msgtype]));
    const same = await runCli(['decode', '--capture', dir]);
    expect(same.stdout).toBe(show.stdout);

    // A sync names the headers it gets by height (the chain knows each batch's parent).
    const synced = await runCli(['sync', '--regtest', '--connect', `127.0.0.1:${port}`, '--datadir', tmp(), '--trace', '--log-level', 'warn'], { timeoutMs: 30000 });
    expect(synced.code).toBe(0);
    expect(synced.stderr).toMatch(/ ← recv v2 +\d+ B {2}headers 10 \(1\.\.10\)$/m);
    expect(synced.stderr).toMatch(/ → sent v2 +\d+ B {2}getheaders locator 1 from [0-9a-f]{8}…[0-9a-f]{8} h=0 stop=0$/m);
  } finally {
    await stop(peer.child);
  }
}, 150000);
