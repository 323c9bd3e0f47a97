// The results page's statement (src/modules/search/results.repository.ts pageRows) on SQLite, its
// two ways, in one process, alternating rounds over the same pages: the prepared statement of the
// raw handle with rows as arrays (what pageRows does outside a transaction), and Kysely's
// executeQuery with a row object each (what it does inside one, and did always before). Checks
// both give the same rows for every page, and prints the CPU per page of each. With --baseline
// CHECKOUT, also that checkout's pageRows (the code before a change), same pages, same rows
// asserted. Results go in docs/PERFORMANCE.md ("Less CPU per realistic search", "The results
// page's statement").
//
//   npx node bench/page-rows.ts [--data .bench-data/sqlite-1m] [--pages 1500] [--rounds 6] [--seed 7]
//                               [--baseline CHECKOUT]
//
// Pages: 20 random products with texts (as a realistic search's page, whose products are nearly
// all missing from the texts kept in memory) and 1 to 8 random stores. Nothing is written.
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { pageRows } from '../src/modules/search/results.repository.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    pages: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '6' },
    seed: { type: 'string', default: '7' },
    baseline: { type: 'string' },
  },
});
const basePageRows = values.baseline
  ? ((await import(pathToFileURL(resolve(values.baseline, 'src/modules/search/results.repository.ts')).href))
      .pageRows as typeof pageRows)
  : undefined;
let seed = Number(values.seed);
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

const database = openDatabase({ dataDir: String(values.data), lock: false });
const raw = database.sqlite;
if (!raw) throw new Error('SQLite only');
try {
  const products = (
    raw.prepare("select id from products where parent_id is null and status = 'active'").all() as {
      id: number;
    }[]
  ).map((r) => r.id);
  const stores = (raw.prepare('select id from locations').all() as { id: number }[]).map((r) => r.id);
  const pick = (xs: number[]) => xs[Math.floor(random() * xs.length)]!;
  const pages = Array.from({ length: Number(values.pages) }, () => ({
    ids: Array.from({ length: 20 }, () => pick(products)),
    locs: Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(stores)),
  }));
  const ways: Record<string, (p: (typeof pages)[number]) => Promise<unknown[]>> = {
    'prepared, arrays': (p) => pageRows(database, p.ids, p.locs, true),
    // A transaction open on the connection: pageRows goes through Kysely (rows mapped to arrays).
    kysely: async (p) => {
      raw.exec('begin');
      try {
        return await pageRows(database, p.ids, p.locs, true);
      } finally {
        raw.exec('rollback');
      }
    },
    // What the Kysely way's begin and rollback cost alone (to subtract from it).
    'begin and rollback only': async () => {
      raw.exec('begin');
      raw.exec('rollback');
      return [];
    },
  };
  if (basePageRows) ways['baseline, prepared, arrays'] = (p) => basePageRows(database, p.ids, p.locs, true);
  console.log(JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), pages: pages.length }));
  // Same rows both ways (first pass, unmeasured: also warms both).
  for (const p of pages) {
    const rows = await ways['prepared, arrays']!(p);
    assert.deepStrictEqual(await ways.kysely!(p), rows);
    if (basePageRows) assert.deepStrictEqual(await ways['baseline, prepared, arrays']!(p), rows);
  }
  const sums = new Map<string, number[]>();
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    const order = Object.entries(ways);
    if (round % 2 === 1) order.reverse();
    for (const [name, fn] of order) {
      const c0 = cpuMs();
      for (const p of pages) await fn(p);
      const perPage = (cpuMs() - c0) / pages.length;
      sums.set(name, [...(sums.get(name) ?? []), perPage]);
    }
  }
  for (const [name, xs] of sums)
    console.log(
      JSON.stringify({
        way: name,
        cpu_ms_per_page_mean: Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000,
        rounds: xs.map((x) => Math.round(x * 1000) / 1000),
      }),
    );
  console.log(JSON.stringify({ identical: pages.length, loadavg: loadavg() }));
} finally {
  await database.close();
}
