/**
 * Demo data benchmark: builds the demo region (default 20,000 merchants, 1,000,000 products) on
 * SQLite (temporary directory, or --keep DIR to keep it as a DATA_DIR) and on PostgreSQL (a fresh
 * schema, dropped afterwards), then prints the time per phase, the total and the database size.
 *
 *   npm run bench:seed -- [--db sqlite|postgres|both] [--merchants N] [--products N] [--seed S] [--keep DIR]
 *
 * PostgreSQL: DATABASE_URL, or postgres://postgres@127.0.0.1:5432/test.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seedDemo } from '../src/tools/demo/index.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    merchants: { type: 'string', default: '20000' },
    products: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'string' },
  },
});
const merchants = Number(values.merchants);
const products = Number(values.products);
const seed = Number(values.seed);
const pgUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function run(label: string, database: Database, size: () => Promise<number>) {
  const t0 = performance.now();
  await migrateToLatest(database.db as never);
  const migrate = (performance.now() - t0) / 1000;
  // Phase changes go to stderr as they happen (a 1M run takes minutes).
  let phase = '';
  const r = await seedDemo(database, {
    merchants,
    products,
    seed,
    onProgress: (_done, _total, p) => {
      if (p === phase) return;
      phase = p;
      process.stderr.write(`  [${label}] ${((performance.now() - t0) / 1000).toFixed(1)} s: ${p}\n`);
    },
  });
  const bytes = await size();
  console.log(`\n== ${label}: ${r.merchants} merchants, ${r.locations} locations, ${r.products} products`);
  console.log(`  migrate              ${migrate.toFixed(2)} s (not counted)`);
  for (const [phase, s] of Object.entries(r.phases)) console.log(`  ${phase.padEnd(20)} ${s.toFixed(2)} s`);
  console.log(`  TOTAL seed           ${r.seconds.toFixed(2)} s`);
  console.log(`  products/s (load)    ${Math.round(r.products / (r.phases.products ?? 1))}`);
  console.log(`  database size        ${mb(bytes)}`);
  console.log(`  peak RSS             ${mb(process.resourceUsage().maxRSS * 1024)}`);
}

console.log(
  `Demo seed benchmark — ${new Date().toISOString()} — ${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), ${mb(totalmem())} RAM, Node ${process.version}`,
);
console.log(`merchants=${merchants} products=${products} seed=${seed}`);

if (values.db === 'sqlite' || values.db === 'both') {
  const keep = values.keep ? resolve(values.keep) : undefined;
  if (keep && existsSync(keep) && readdirSync(keep).length) {
    console.error(`--keep ${keep}: the directory must be empty or absent.`);
    process.exit(2);
  }
  if (keep) mkdirSync(keep, { recursive: true });
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'comptoir-bench-seed-'));
  const database = openDatabase({ dataDir: dir });
  try {
    await run('SQLite', database, async () => {
      database.sqlite!.exec('pragma wal_checkpoint(truncate)');
      return readdirSync(dir)
        .filter((f) => f.startsWith('comptoir.db'))
        .reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    });
  } finally {
    await database.close();
    if (keep) console.log(`  kept in DATA_DIR=${keep}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (values.db === 'postgres' || values.db === 'both') {
  const schema = `bench_seed_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const database = openDatabase({ databaseUrl: pgUrl, dataDir: tmpdir(), pgSchema: schema });
  try {
    await run(`PostgreSQL (schema ${schema})`, database, async () => {
      const r = await admin.query(
        `select coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename))), 0)::bigint as n
           from pg_tables where schemaname = $1`,
        [schema],
      );
      return Number(r.rows[0].n);
    });
  } finally {
    await database.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}
