// Optional worker-thread hashing for header batches (hashing is the only expensive part of
// validation, and it parallelises): `hash(bytes)` resolves to 8 LE u32 words per header for
// HeaderChain.acceptHeaders(headers, now, { hashes }). Runs from compiled JS (dist/) only:
// the worker file is resolved next to this module.
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this many headers per worker, splitting costs more than it saves. */
const MIN_HEADERS_PER_WORKER = 256;

interface Pending {
  resolve: (words: Uint32Array) => void;
  reject: (err: Error) => void;
}

export class HeaderHashPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private next = 0;
  private closed = false;

  /** `threads` defaults to the number of CPUs (at least 1). */
  constructor(threads = Math.max(1, os.availableParallelism?.() ?? os.cpus().length)) {
    this.workers = [];
    for (let i = 0; i < threads; i++) {
      const w = new Worker(new URL('./hash-worker.js', import.meta.url));
      w.on('message', (m: { id: number; hashes: Uint32Array }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) for (const x of this.workers) x.unref();
        p?.resolve(m.hashes);
      });
      w.on('error', (err) => this.failAll(err));
      w.unref(); // idle workers never keep the process alive; busy ones do (see send)
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Block hashes of the n headers in `bytes` (n * 80 bytes), as n * 8 LE u32 words. */
  async hash(bytes: Uint8Array): Promise<Uint32Array> {
    if (this.closed) throw new Error('hash pool is closed');
    const n = Math.floor(bytes.length / 80);
    const parts = Math.max(1, Math.min(this.workers.length, Math.floor(n / MIN_HEADERS_PER_WORKER)));
    if (parts === 1) return this.send(bytes);
    const per = Math.ceil(n / parts);
    const pieces: Promise<Uint32Array>[] = [];
    for (let i = 0; i < n; i += per) pieces.push(this.send(bytes.subarray(i * 80, Math.min(n, i + per) * 80)));
    const done = await Promise.all(pieces);
    const out = new Uint32Array(n * 8);
    let o = 0;
    for (const d of done) {
      out.set(d, o);
      o += d.length;
    }
    return out;
  }

  private send(bytes: Uint8Array): Promise<Uint32Array> {
    const id = this.nextId++;
    const worker = this.workers[this.next++ % this.workers.length];
    return new Promise<Uint32Array>((resolve, reject) => {
      if (this.pending.size === 0) for (const x of this.workers) x.ref();
      this.pending.set(id, { resolve, reject });
      // Copy first: cloning a view would copy its whole underlying buffer.
      const copy = bytes.slice();
      worker.postMessage({ id, bytes: copy }, [copy.buffer]);
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const x of this.workers) x.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('hash pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
