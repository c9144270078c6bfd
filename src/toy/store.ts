// Crash-safe persistence of a toy chain: an append-only file of BLOCK JSON lines
// (`<datadir>/toy-blocks.jsonl`), fsync'd in small groups. A crash can only leave a torn last
// line, which the next open cuts off; every block read back is validated again by the caller.
import { fsyncDir } from '../util/atomic-file.js';
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, errorMessage } from '../util/errors.js';
import { silentLog, type Log } from '../util/log.js';
import { blockToJson, parseBlock, type ToyBlock } from './block.js';

export const TOY_BLOCKS_FILE = 'toy-blocks.jsonl';

export interface StoredChain {
  readonly blocks: ToyBlock[];
  /** Bytes of a torn or unreadable tail that were cut off. */
  readonly truncatedBytes: number;
  /** Lines in the middle that did not parse (skipped). */
  readonly badLines: number;
}

export class ToyBlockStore {
  private pending: string[] = [];
  private flushScheduled = false;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly log: Log,
  ) {
    this.fd = fd;
  }

  /** Open (creating) the store in `dir` and read back what it holds. */
  static open(dir: string, log: Log = silentLog): { store: ToyBlockStore; stored: StoredChain } {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new UsageError('bad_datadir', `cannot create data directory ${dir}: ${errorMessage(err)}`);
    }
    const path = join(dir, TOY_BLOCKS_FILE);
    const created = !existsSync(path);
    const fd = openSync(path, 'a+');
    if (created) fsyncDir(dir); // the new directory entry must survive a crash too
    const stored = readBack(fd, path, log);
    return { store: new ToyBlockStore(path, fd, log), stored };
  }

  /** Queue a block; written and fsync'd together with others queued in the same tick. */
  append(block: ToyBlock): void {
    if (this.fd === undefined) return;
    this.pending.push(`${blockToJson(block)}\n`);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.fd === undefined || this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off);
      fsyncSync(this.fd);
    } catch (err) {
      this.log.error(`cannot write ${this.path}: ${errorMessage(err)}`);
    }
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function readBack(fd: number, path: string, log: Log): StoredChain {
  const text = readFileSync(path); // a+ opened: read the whole file from the start
  const blocks: ToyBlock[] = [];
  let badLines = 0;
  let start = 0;
  let goodEnd = 0;
  for (;;) {
    const nl = text.indexOf(0x0a, start);
    if (nl < 0) break;
    const line = text.subarray(start, nl).toString('utf8');
    start = nl + 1;
    goodEnd = start;
    if (line.trim() === '') continue;
    try {
      blocks.push(parseBlock(JSON.parse(line)));
    } catch {
      badLines++;
    }
  }
  const truncatedBytes = text.length - goodEnd;
  if (truncatedBytes > 0) {
    // The last write was torn by a crash: drop the partial line so appends start clean.
    ftruncateSync(fd, goodEnd);
    fsyncSync(fd);
    log.warn(`${path}: cut ${truncatedBytes} bytes of a torn last line`);
  }
  if (badLines > 0) log.warn(`${path}: skipped ${badLines} unreadable line(s)`);
  return { blocks, truncatedBytes, badLines };
}
