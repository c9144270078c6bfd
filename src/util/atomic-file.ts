// Crash-safe whole-file replacement: write a temp file, fsync it, rename it over the target,
// fsync the directory. A crash at any point leaves either the old file or the new one.
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** Make a directory entry change (create, rename) durable. Not supported everywhere: then the
 * file data is still fsync'ed and a rename is still atomic. */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // EISDIR/EPERM on some platforms: nothing more we can do.
  }
}
