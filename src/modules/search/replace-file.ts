/**
 * Writing a file of the data directory so that a reader never sees half of it: the bytes go to a
 * temporary file beside it (named per process and call, as two threads of one process may write),
 * which is then renamed over the old one. Used by the facts snapshot and the text index file.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';

const temporaryPath = (path: string) => `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;

/** Replaces `path` with `parts`, in order, synchronously (a CLI rebuild, a start). */
export function replaceFileSync(path: string, parts: readonly Uint8Array[]): void {
  const tmp = temporaryPath(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const p of parts) {
        let done = 0;
        while (done < p.length) done += writeSync(fd, p, done, p.length - done);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing was written: the first error is the one to report.
    }
    throw err;
  }
}

/** Replaces `path` with `parts`, in order, the writes on libuv's thread pool (a serving process). */
export async function replaceFile(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const tmp = temporaryPath(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      for (const p of parts) {
        let done = 0;
        while (done < p.length) done += (await fh.write(p, done, p.length - done)).bytesWritten;
      }
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    try {
      await unlink(tmp);
    } catch {
      // Nothing was written: the first error is the one to report.
    }
    throw err;
  }
}
