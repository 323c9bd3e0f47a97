/**
 * The data directory's pid lock: one process (one deployment) per SQLite data directory. Kept
 * apart from database.ts so that the primary of a multi-process server (src/serve/cluster-primary.ts)
 * can hold it without loading Kysely and the database drivers.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirLockedError extends Error {}

const lockFileOf = (dir: string) => join(dir, 'comptoir.lock');

/** Removes the lock file if it still names this process; at most once, and at exit. */
function releaser(lockFile: string): () => void {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      if (readFileSync(lockFile, 'utf8') === String(process.pid)) rmSync(lockFile);
    } catch {
      // Already gone (or the directory with it): nothing of ours to remove, often at exit.
    }
  };
  process.once('exit', release);
  return release;
}

/** A pid lock file: a second process on the same data directory is refused with a clear message. */
export function lockDataDir(dir: string): () => void {
  const lockFile = lockFileOf(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return releaser(lockFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new DataDirLockedError(
          `The data directory ${dir} is in use by process ${pid}. Stop it first (two processes must not share one database).`,
        );
      }
      // Stale lock from a killed process: take it over.
      if (existsSync(lockFile)) rmSync(lockFile);
    }
  }
  throw new DataDirLockedError(`Could not lock ${dir}`);
}

/**
 * Takes charge of a lock this process already holds: after `process.execve` the pid (written in
 * the file) is the same but the release at exit of the previous program is gone. Returns the release.
 */
export function adoptDataDirLock(dir: string): () => void {
  const lockFile = lockFileOf(dir);
  let owner = '';
  try {
    owner = readFileSync(lockFile, 'utf8');
  } catch {
    // No readable lock file: `owner` stays empty and the check below refuses with a clear error.
  }
  if (owner !== String(process.pid))
    throw new DataDirLockedError(`The lock of ${dir} is not held by this process (${process.pid}).`);
  return releaser(lockFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
