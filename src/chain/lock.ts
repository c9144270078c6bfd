// One writer per datadir: an exclusively created lock file holding the owner's pid. A lock
// whose pid no longer runs (kill -9, crash) is stale and taken over; a live one makes the
// second process refuse with a clear error.
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from './errors.js';
import { LOCK_FILE } from './datadir.js';

/** A just-created lock may not hold its pid yet; treat an empty one younger than this as live. */
const FRESH_EMPTY_LOCK_MS = 5_000;

// Locks this process holds (a stale lock can carry our own pid after a restart in a container).
const held = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): { pid?: number; ageMs: number } | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const ageMs = Date.now() - fs.statSync(file).mtimeMs;
    const pid = Number.parseInt(text.trim(), 10);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, ageMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class DatadirLock {
  private released = false;
  private constructor(readonly file: string) {}

  /** Takes the datadir's lock or throws StoreError('datadir_locked'). */
  static acquire(datadir: string): DatadirLock {
    const file = path.resolve(datadir, LOCK_FILE);
    const refuse = (pid: number | undefined): never => {
      throw new StoreError(
        'datadir_locked',
        `datadir ${path.resolve(datadir)} is in use by ${pid ? `process ${pid}` : 'another process'} (lock file ${file}); ` +
          'stop it first, or delete the lock file if no spv process is running',
      );
    };
    if (held.has(file)) refuse(process.pid);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx', 0o644);
        try {
          fs.writeSync(fd, `${process.pid}\n`);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        held.add(file);
        return new DatadirLock(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(file);
      if (owner === undefined) continue; // removed meanwhile: try again
      if (owner.pid === undefined) {
        if (owner.ageMs < FRESH_EMPTY_LOCK_MS) refuse(undefined);
      } else if (owner.pid !== process.pid && isRunning(owner.pid)) {
        refuse(owner.pid);
      }
      // Stale: its process is gone (or it is our own pid from an earlier life).
      try {
        fs.unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return refuse(undefined);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    const owner = readOwner(this.file);
    if (owner?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}
