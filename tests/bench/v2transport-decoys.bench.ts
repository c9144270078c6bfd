// BIP324 decoy flood at the receiver (`npm run bench -- v2transport-decoys`; also part of
// `-- v2transport`): how fast the sans-I/O V2Transport gets through a stream of decoy packets
// (ignore bit set; BIP324: "decoy packets ... are ignored" by the receiver) after the handshake,
// the whole decrypt path timed (length FSChaCha20, FSChaCha20Poly1305 open with its tag check,
// rekeys every 224 packets), the packets sealed beforehand. The tests assert that decoys are
// ignored with bounded memory (tests/transport/v2-transport.test.ts); this measures the CPU
// side, as MB/s of decoys and packets/s, per decoy size, with the load average beside it.
import os from 'node:os';
import { NETWORKS } from '../../src/params/networks.js';
import { bitcoinCodec } from '../../src/wire/frame-decoder.js';
import { V2Transport } from '../../src/transport/v2/transport.js';
import { keyExchange } from '../../src/transport/v2/keys.js';
import { HandV2Peer } from '../helpers/v2-peer.js';

const MAGIC = NETWORKS.mainnet.magic;
const CHUNK = 64 * 1024;
const RUNS = 3;
/** Decoy contents sizes and the bytes of decoys sent at each: empty decoys (20 bytes on the
 * wire: the per-packet cost), 1 KB, 64 KiB, 1 MiB. Short runs. */
const SIZES: readonly { contents: number; streamBytes: number }[] = [
  { contents: 0, streamBytes: 4_000_000 },
  { contents: 1_000, streamBytes: 16_000_000 },
  { contents: 64 * 1024, streamBytes: 32_000_000 },
  { contents: 1024 * 1024, streamBytes: 32_000_000 },
];

/** Our responder after the handshake with a hand-driven initiator (which can send decoys). */
function connected(): { b: V2Transport; h: HandV2Peer } {
  const b = new V2Transport({ magic: MAGIC, codec: bitcoinCodec(MAGIC), initiator: false, keys: keyExchange() });
  const h = new HandV2Peer(MAGIC, true, 0);
  b.receive(h.hello());
  h.agree(Buffer.concat(b.takeOutput()).subarray(0, 64));
  if (b.receive(Buffer.concat([h.terminator(), h.versionPacket()])).length !== 0 || !b.ready) throw new Error('v2 handshake did not finish');
  return { b, h };
}

interface FloodResult {
  contents: number;
  packets: number;
  wireBytes: number;
  bestMs: number;
  maxBuffered: number;
}

function flood(contents: number, streamBytes: number): FloodResult {
  const body = new Uint8Array(contents);
  const packets = Math.max(1, Math.floor(streamBytes / (contents + 20)));
  let bestMs = Infinity;
  let wireBytes = 0;
  let maxBuffered = 0;
  for (let run = 0; run < RUNS; run++) {
    const { b, h } = connected(); // fresh ciphers per run (they are stateful)
    const parts: Uint8Array[] = [];
    for (let i = 0; i < packets; i++) parts.push(h.packet(body, { ignore: true }));
    const stream = Buffer.concat(parts);
    wireBytes = stream.length;
    const t0 = performance.now();
    for (let off = 0; off < stream.length; off += CHUNK) {
      if (b.receive(stream.subarray(off, off + CHUNK)).length !== 0) throw new Error('a decoy produced a frame');
      if (b.bufferedBytes > maxBuffered) maxBuffered = b.bufferedBytes;
    }
    bestMs = Math.min(bestMs, performance.now() - t0);
    if (b.decoysReceived !== packets) throw new Error(`${b.decoysReceived} decoys counted, ${packets} sent`);
  }
  return { contents, packets, wireBytes, bestMs, maxBuffered };
}

export async function run(): Promise<void> {
  const loadBefore = os.loadavg()[0]!;
  const results = SIZES.map((s) => flood(s.contents, s.streamBytes));
  const load = Math.max(loadBefore, os.loadavg()[0]!);
  console.log(`decoy flood into our v2 responder after the handshake, ${CHUNK / 1024} KiB chunks, best of ${RUNS}, load avg ${load.toFixed(1)}:`);
  for (const r of results) {
    const mbs = r.wireBytes / 1e6 / (r.bestMs / 1000);
    const pps = r.packets / (r.bestMs / 1000);
    console.log(
      `  ${String(r.contents).padStart(7)} B decoys: ${r.packets.toLocaleString('en-US')} packets, ${(r.wireBytes / 1e6).toFixed(1)} MB in ${r.bestMs.toFixed(0)} ms = ` +
        `${mbs.toFixed(mbs < 10 ? 1 : 0)} MB/s, ${Math.round(pps).toLocaleString('en-US')} packets/s; most bytes buffered ${r.maxBuffered.toLocaleString('en-US')}`,
    );
  }
}
