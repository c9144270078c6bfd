// Worker thread body for HeaderHashPool: hashes the 80-byte headers it is sent and
// returns their block hashes as 8 little-endian u32 words each (transferred, not copied).
import { parentPort } from 'node:worker_threads';
import { hashHeaderInto } from './sha256d-header.js';

interface HashRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
}

parentPort?.on('message', (m: HashRequest) => {
  const n = Math.floor(m.bytes.length / 80);
  const out = new Uint32Array(n * 8);
  for (let i = 0; i < n; i++) hashHeaderInto(m.bytes, i * 80, out, i * 8);
  parentPort!.postMessage({ id: m.id, hashes: out }, [out.buffer]);
});
