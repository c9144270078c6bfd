// Framing benchmark (`npm run bench -- wire`): ~100 MB of real-sized messages (a 2,000-header
// `headers` ≈ 162 KB and a 50,000-item `inv` ≈ 1.8 MB, repeated) fed to BitcoinFrameDecoder in
// 64 KiB chunks. Compares framing+checksum, and framing+checksum+payload decode, with SHA256d
// alone over the same payload bytes (same node:crypto function), and with noble's sha256.
import { sha256d as nobleSha256d } from '../../src/util/hash.js';
import { NETWORKS } from '../../src/params/networks.js';
import type { Message } from '../../src/wire/message.js';
import { sha256dFast } from '../../src/util/sha256d-fast.js';
import { encodeMessage } from '../../src/wire/envelope.js';
import { BitcoinFrameDecoder } from '../../src/wire/frame-decoder.js';

const TARGET_BYTES = 100_000_000;
const CHUNK = 64 * 1024;
const RUNS = 3;
const MAGIC = NETWORKS.mainnet.magic;

function pseudoRandom(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function buildMessages(): Message[] {
  const raw = pseudoRandom(2000 * 80 + 50_000 * 32, 42);
  const headers = Array.from({ length: 2000 }, (_, i) => raw.subarray(i * 80, i * 80 + 80));
  const base = 2000 * 80;
  const items = Array.from({ length: 50_000 }, (_, i) => ({ type: 1, hash: raw.subarray(base + i * 32, base + i * 32 + 32) }));
  return [
    { command: 'headers', headers },
    { command: 'inv', items },
  ];
}

/** The stream as one buffer, plus each payload (for the hash-only baseline). */
function buildStream(messages: Message[], rename: boolean): { stream: Uint8Array; payloads: Uint8Array[]; count: number } {
  const wires = messages.map((m) => {
    const w = encodeMessage(MAGIC, m);
    if (rename) w[4 + m.command.length - 1] = 0x5a; // 'headerZ', 'inZ': unknown commands, framed + checksummed only
    if (rename) w.set(sha256dFast(w.subarray(24)).subarray(0, 4), 20);
    return w;
  });
  const pair = wires.reduce((n, w) => n + w.length, 0);
  const reps = Math.ceil(TARGET_BYTES / pair);
  const stream = new Uint8Array(pair * reps);
  const payloads: Uint8Array[] = [];
  let off = 0;
  for (let r = 0; r < reps; r++) {
    for (const w of wires) {
      stream.set(w, off);
      payloads.push(stream.subarray(off + 24, off + w.length));
      off += w.length;
    }
  }
  return { stream, payloads, count: reps * wires.length };
}

function best(fn: () => void): number {
  let t = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return t;
}

function feed(stream: Uint8Array, expected: number): void {
  const d = new BitcoinFrameDecoder(MAGIC);
  let messages = 0;
  for (let off = 0; off < stream.length; off += CHUNK) {
    for (const f of d.push(stream.subarray(off, off + CHUNK))) {
      if (f.kind !== 'message') throw new Error(`unexpected ${f.kind} frame: ${f.error.message}`);
      messages++;
    }
  }
  if (messages !== expected) throw new Error(`decoded ${messages} messages, expected ${expected}`);
}

export async function run(): Promise<void> {
  const messages = buildMessages();
  const known = buildStream(messages, false);
  const unknown = buildStream(messages, true);
  const mb = known.stream.length / 1e6;
  const payloadMb = known.payloads.reduce((n, p) => n + p.length, 0) / 1e6;
  console.log(`stream: ${known.count} messages (headers 2,000 x 81 B + inv 50,000 x 36 B, alternating), ${mb.toFixed(1)} MB, ${CHUNK / 1024} KiB chunks, best of ${RUNS}`);

  const tHash = best(() => {
    for (const p of known.payloads) sha256dFast(p);
  });
  const tFrame = best(() => feed(unknown.stream, unknown.count));
  const tFull = best(() => feed(known.stream, known.count));
  const nobleSample = known.payloads.slice(0, 10);
  const nobleMb = nobleSample.reduce((n, p) => n + p.length, 0) / 1e6;
  const tNoble = best(() => {
    for (const p of nobleSample) nobleSha256d(p);
  });

  const rate = (bytesMb: number, s: number): string => `${(bytesMb / s).toFixed(0).padStart(6)} MB/s`;
  const over = (s: number): string => `${(((s - tHash) / tHash) * 100).toFixed(0)}%`;
  console.log(`SHA256d alone (node:crypto), payload bytes ${rate(payloadMb, tHash)}  (${(tHash * 1000).toFixed(0)} ms)`);
  console.log(`framing + checksum (commands unknown) ${rate(mb, tFrame)}  (${(tFrame * 1000).toFixed(0)} ms)  overhead vs hashing alone: ${over(tFrame)}  (goal < 25%)`);
  console.log(`framing + checksum + payload decode   ${rate(mb, tFull)}  (${(tFull * 1000).toFixed(0)} ms)  overhead vs hashing alone: ${over(tFull)}`);
  console.log(`  payload decode alone ≈ ${((tFull - tFrame) * 1000).toFixed(0)} ms for ${known.count / 2} x 2,000 headers + ${known.count / 2} x 50,000 inv items (${(((tFull - tFrame) / (known.count / 2)) * 1000).toFixed(2)} ms per pair)`);
  console.log(`SHA256d with noble (reference), ${nobleMb.toFixed(1)} MB sample ${rate(nobleMb, tNoble)}  (node:crypto is ${((nobleMb / tNoble) ** -1 * (payloadMb / tHash)).toFixed(1)}x faster)`);
}
