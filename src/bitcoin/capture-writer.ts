// `--capture DIR`: every message in and out, in Bitcoin Core's -capturemessages layout, so Core's
// contrib/message-capture/message-capture-parser.py reads our files unchanged
// (shared/reference/capture.md): DIR/<addr>_<port>/msgs_recv.dat and msgs_sent.dat, appended.
// Safety: each record is one write to an O_APPEND file; files are fdatasync'ed every
// CAPTURE_SYNC_MS and on close; a record torn by a crash is cut off when the file is next opened.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../util/errors.js';
import { fsyncDir } from '../util/atomic-file.js';
import { silentLog, type Log } from '../util/log.js';
import type { MessageDirection, MessageObserver } from '../net/observer.js';
import type { Peer } from '../net/peer.js';
import type { Message } from '../wire/message.js';
import { HEADER_SIZE, commandName, encodePayload } from '../wire/envelope.js';
import { CAPTURE_RECORD_HEADER_SIZE, CAPTURE_RECV_FILE, CAPTURE_SENT_FILE, captureDirName, encodeCaptureRecord } from '../wire/capture.js';

/** How often written records are made durable (Core never syncs; we bound the loss). */
export const CAPTURE_SYNC_MS = 1_000;
/** Files held open at once; the least recently opened is closed beyond this (an inbound flood). */
export const MAX_OPEN_CAPTURE_FILES = 64;

/** Wall clock in microseconds (Core: GetTime<std::chrono::microseconds>()). */
export function wallClockMicros(): bigint {
  return BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
}

export interface CaptureWriterOptions {
  /** Injected for tests: microseconds since the Unix epoch. */
  readonly clockUs?: () => bigint;
  readonly log?: Log;
}

/** Cuts a record torn by a crash off the end of an existing capture file (reads only headers). */
function truncateTornTail(fd: number): number {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(CAPTURE_RECORD_HEADER_SIZE);
  let off = 0;
  while (size - off >= CAPTURE_RECORD_HEADER_SIZE) {
    fs.readSync(fd, head, 0, CAPTURE_RECORD_HEADER_SIZE, off);
    const end = off + CAPTURE_RECORD_HEADER_SIZE + head.readUInt32LE(20);
    if (end > size) break;
    off = end;
  }
  if (off !== size) fs.ftruncateSync(fd, off);
  return size - off;
}

export class CaptureWriter implements MessageObserver<Message> {
  private readonly open = new Map<string, number>();
  private readonly dirty = new Set<number>();
  private readonly clockUs: () => bigint;
  private readonly log: Log;
  private last = 0n;
  private timer: NodeJS.Timeout | undefined;
  private failed = false;
  private closed = false;
  /** Records written (for summaries and tests). */
  records = 0;

  constructor(
    readonly dir: string,
    opts: CaptureWriterOptions = {},
  ) {
    this.clockUs = opts.clockUs ?? wallClockMicros;
    this.log = opts.log ?? silentLog;
    fs.mkdirSync(dir, { recursive: true });
  }

  message(peer: Peer<Message, unknown>, direction: MessageDirection, message: Message, _wireSize: number, frame: Uint8Array | undefined): void {
    if (this.failed || this.closed) return;
    try {
      // Sent: the payload of the frame we built. Received: re-encoded (decoding is strict).
      const payload = frame ? frame.subarray(HEADER_SIZE) : encodePayload(message);
      let t = this.clockUs();
      if (t < this.last) t = this.last; // one clock for both files, never backwards
      this.last = t;
      const record = encodeCaptureRecord(t, commandName(message), payload);
      const fd = this.fileFor(captureDirName(peer.address.host, peer.address.port), direction);
      let done = 0;
      while (done < record.length) done += fs.writeSync(fd, record, done, record.length - done);
      this.records++;
      this.dirty.add(fd);
      if (!this.timer) {
        this.timer = setTimeout(() => this.sync(), CAPTURE_SYNC_MS);
        this.timer.unref?.();
      }
    } catch (err) {
      // A full disk must not take the peers down with it: stop capturing, say so once.
      this.failed = true;
      this.log.error(`capture to ${this.dir} stopped: ${errorMessage(err)}`);
    }
  }

  private fileFor(peerDir: string, direction: MessageDirection): number {
    const file = path.join(this.dir, peerDir, direction === 'recv' ? CAPTURE_RECV_FILE : CAPTURE_SENT_FILE);
    let fd = this.open.get(file);
    if (fd !== undefined) return fd;
    const created = !fs.existsSync(file);
    if (created) fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, 'a+');
    if (created) (fsyncDir(path.dirname(file)), fsyncDir(this.dir));
    const cut = truncateTornTail(fd);
    if (cut > 0) this.log.warn(`capture ${file}: cut ${cut} bytes of a torn record`);
    this.open.set(file, fd);
    if (this.open.size > MAX_OPEN_CAPTURE_FILES) {
      const [oldFile, oldFd] = this.open.entries().next().value as [string, number];
      this.open.delete(oldFile);
      this.closeFd(oldFd);
    }
    return fd;
  }

  private closeFd(fd: number): void {
    if (this.dirty.delete(fd)) fs.fdatasyncSync(fd);
    fs.closeSync(fd);
  }

  /** Makes everything written so far durable. */
  sync(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      for (const fd of this.dirty) fs.fdatasyncSync(fd);
    } catch (err) {
      this.log.error(`capture to ${this.dir}: sync failed: ${errorMessage(err)}`);
    }
    this.dirty.clear();
  }

  close(): void {
    if (this.closed) return;
    this.sync();
    this.closed = true;
    for (const fd of this.open.values()) fs.closeSync(fd);
    this.open.clear();
  }
}
