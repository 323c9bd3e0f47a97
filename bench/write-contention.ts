// Two server processes writing to one SQLite file (WEB_CONCURRENCY=2), without HTTP: how long each
// process's event loop is held while it writes. docs/PERFORMANCE.md, "Writes in the mix".
//
//   npx node bench/write-contention.ts --data DIR [--rate 60] [--seconds 10] [--rounds 2]
//
// DIR holds a comptoir.db that this benchmark WRITES to (carts, stock levels): give it a copy of the
// 1M region (`cp -r .bench-data/sqlite-1m /tmp/me-1m`), never .bench-data itself.
// Each round runs the two variants one after the other, each as two child processes for --seconds:
// Poisson arrivals of --rate write transactions per second per process (a cart creation and three
// stock-level updates, like the mix's cart adds, checkouts and stock syncs), and a 1 ms timer that
// records the loop's gaps. Variants:
//   before  Kysely's SqliteDialect over the same statements: SQLite's busy handler sleeps in the
//           thread while the other process holds the write lock; automatic checkpoints (1,000 pages)
//           run inside the commit that crosses them;
//   after   nodeSqliteDialect (a write waits for the lock on a timer) and checkpointInBackground
//           (checkpoints in a thread).
// Prints per process: transactions done, longest gap, gaps over 10/20/50 ms, time blocked (sum of
// gaps beyond 1.5 ms: commits' fsyncs, lock waits, checkpoints), and (after) lock waits.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { lockWaits, nodeSqliteDialect, openSqlite } from '../src/db/sqlite-dialect.ts';
import { backgroundCheckpoints, checkpointInBackground } from '../src/db/wal-checkpointer.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: 'string' },
    rate: { type: 'string', default: '60' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
  },
});
if (!values.data) throw new Error('--data DIR (a copy of the region: this benchmark writes to it)');
const file = join(values.data, 'comptoir.db');
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);

if (positionals[0] !== 'child') {
  const run = (variant: string) =>
    Promise.all(
      [0, 1].map(
        () =>
          new Promise((resolve) =>
            spawn(process.execPath, [process.argv[1]!, 'child', variant, ...process.argv.slice(2)], {
              stdio: 'inherit',
            }).on('exit', resolve),
          ),
      ),
    );
  for (let round = 0; round < Number(values.rounds); round++)
    for (const variant of ['before', 'after']) await run(variant);
  process.exit(0);
}

/** Kysely's own SQLite dialect over node:sqlite (`begin immediate`, cached statements), as before. */
function dialectBefore(raw: DatabaseSync) {
  const cache = new Map<string, StatementSync>();
  return new SqliteDialect({
    database: {
      close: () => raw.close(),
      prepare(text: string) {
        const q = text === 'begin' ? 'begin immediate' : text;
        const s = cache.get(q) ?? raw.prepare(q);
        cache.set(q, s);
        return {
          reader: s.columns().length > 0,
          all: (p: unknown[]) => s.all(...(p as never[])),
          run: (p: unknown[]) => s.run(...(p as never[])) as never,
          iterate: (p: unknown[]) => s.iterate(...(p as never[])) as never,
        };
      },
    } as never,
  });
}

const variant = positionals[1];
const raw = openSqlite(file);
// Each run starts from an empty WAL (a large one slows every read, whichever the variant).
raw.exec('PRAGMA wal_checkpoint(TRUNCATE)');
const db = new Kysely<Record<string, Record<string, unknown>>>({
  dialect: variant === 'before' ? dialectBefore(raw) : nodeSqliteDialect(raw),
});
const stopCheckpoints =
  variant === 'after'
    ? checkpointInBackground({ kind: 'sqlite', sqlite: raw, file, db } as unknown as Database)
    : async () => {};
const max = Number(
  (await sql<{ m: number }>`select max(product_id) m from inventory_levels`.execute(db)).rows[0]!.m,
);
let last = performance.now();
let maxGap = 0;
let blocked = 0;
const gaps: number[] = [];
const tick = setInterval(() => {
  const now = performance.now();
  const g = now - last;
  if (g > maxGap) maxGap = g;
  if (g > 10) gaps.push(g);
  blocked += Math.max(0, g - 1.5);
  last = now;
}, 1);
let done = 0;
let failed = 0;
const end = performance.now() + SECONDS * 1000;
const work: Promise<void>[] = [];
while (performance.now() < end) {
  await new Promise((r) => setTimeout(r, -Math.log(1 - Math.random()) * (1000 / RATE)));
  work.push(
    db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into carts (token_hash) values (${randomBytes(16).toString('hex')})`.execute(trx);
        for (let k = 0; k < 3; k++)
          await sql`update inventory_levels set on_hand = on_hand + 1
            where product_id = ${1 + Math.floor(Math.random() * max)}`.execute(trx);
      })
      .then(
        () => void done++,
        () => void failed++,
      ),
  );
}
await Promise.all(work);
clearInterval(tick);
await stopCheckpoints();
console.log(
  JSON.stringify({
    variant,
    pid: process.pid,
    done,
    failed,
    max_gap_ms: +maxGap.toFixed(1),
    gaps_over_10ms: gaps.length,
    gaps_over_20ms: gaps.filter((g) => g > 20).length,
    gaps_over_50ms: gaps.filter((g) => g > 50).length,
    blocked_ms: Math.round(blocked),
    lock_waits: lockWaits.count,
    lock_wait_ms: Math.round(lockWaits.ms),
    thread_checkpoints: backgroundCheckpoints.count,
    thread_checkpoint_max_ms: Math.round(backgroundCheckpoints.maxMs),
  }),
);
await db.destroy();
