/**
 * SQLite WAL checkpoints in a thread of their own (servers). By default SQLite checkpoints inside
 * the commit that takes the WAL past 1,000 pages: that commit's caller copies ~4 MB of pages into a
 * 1.3 GB database file and fsyncs it, 15–170 ms on the 1M region (more when the disk is busy)
 * during which the process answers nothing (docs/PERFORMANCE.md, "Writes in the mix"). A server
 * turns automatic checkpoints off on its connection and this thread runs a PASSIVE checkpoint every
 * second on its own connection: it never blocks writers or readers, and the WAL stays small (a
 * second of writes). If the thread fails, automatic checkpoints come back.
 */
import { Worker } from 'node:worker_threads';
import type { Database } from './database.ts';

/** Restores SQLite's default `wal_autocheckpoint` (1,000 pages) when the thread is gone. */
const RESTORE_AUTOCHECKPOINT = 'PRAGMA wal_autocheckpoint = 1000';

// Plain JavaScript evaluated in the thread (no TypeScript, no application module to load): its
// own connection, durable like the server's (checkpoints fsync the WAL, then the database file).
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.file, { timeout: 0 });
db.exec('PRAGMA synchronous = FULL');
db.exec('PRAGMA cache_size = -512');
db.exec('PRAGMA mmap_size = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  const t0 = performance.now();
  const r = checkpoint.get();
  if (r.checkpointed > 0)
    parentPort.postMessage({ pages: r.checkpointed, ms: performance.now() - t0 });
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Checkpoints done by the thread of this process: count, pages copied, time (off the event loop). */
export const backgroundCheckpoints = { count: 0, pages: 0, ms: 0, maxMs: 0 };

/**
 * Moves WAL checkpoints of this SQLite database off the event loop (see above); a no-op on
 * PostgreSQL. Returns the function that stops the thread (automatic checkpoints come back).
 */
export function checkpointInBackground(
  database: Database,
  opts: {
    intervalMs?: number;
    /** Start the thread this much later (a server: after its start, whose CPU it would share). */
    startAfterMs?: number;
    onError?: (err: Error) => void;
    /** Called after each checkpoint that copied pages (tests, logs). */
    onCheckpoint?: (c: { pages: number; ms: number }) => void;
  } = {},
): () => Promise<void> {
  const raw = database.sqlite;
  if (database.kind !== 'sqlite' || !raw || !database.file) return async () => {};
  const file = database.file;
  let stopping = false;
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  const restore = () => {
    if (raw.isOpen) raw.exec(RESTORE_AUTOCHECKPOINT);
  };
  const start = () => {
    if (stopping) return;
    const w = new Worker(THREAD, {
      eval: true,
      workerData: { file, intervalMs: opts.intervalMs ?? 1000 },
      // A few MB are enough: it holds one prepared statement.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
    worker = w;
    // Never keeps a process alive on its own.
    w.unref();
    raw.exec('PRAGMA wal_autocheckpoint = 0');
    exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.on('message', (m: { pages: number; ms: number }) => {
      const s = backgroundCheckpoints;
      s.count++;
      s.pages += m.pages;
      s.ms += m.ms;
      s.maxMs = Math.max(s.maxMs, m.ms);
      opts.onCheckpoint?.(m);
    });
    w.on('error', (err) => {
      restore();
      opts.onError?.(err);
    });
    w.on('exit', () => {
      if (!stopping) restore();
    });
  };
  const timer = opts.startAfterMs ? setTimeout(start, opts.startAfterMs) : undefined;
  timer?.unref();
  if (!timer) start();
  return async () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(timer);
    if (!worker) return;
    worker.postMessage('stop');
    const w = worker;
    const t = setTimeout(() => void w.terminate(), 2000);
    await exited;
    clearTimeout(t);
    restore();
  };
}
