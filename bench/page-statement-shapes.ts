// Where the results page's statement (src/modules/search/results.repository.ts pageRows) spends
// its CPU on SQLite, and whether another shape of it would spend less: pageRows itself against
// the same reads as separate statements (products with their stock, variants, stores), parts of
// them alone (no texts, French texts only, one statement per product, the ids as one JSON
// parameter), the stores' names from the table or from their index (migration 076), the same rows
// summed inside SQLite (no value handed to JavaScript) and as one JSON text. One process, every
// shape in turn over the same pages, order reversed every other round; thread CPU per page.
// Results go in docs/PERFORMANCE.md ("The results page's statement").
//
//   SQLITE_CACHE_MB=16 SQLITE_MMAP_MB=0 npx node bench/page-statement-shapes.ts --data DIR
//        [--pool 20000] [--pages 1500] [--rounds 6] [--seed 7]
//
// Pages: 20 products drawn from a pool of `pool` random active products (20,000: about the
// distinct products 2,000 realistic searches show; 500: everything in SQLite's cache), each
// with its first store, as a search's page shows a product at one of its stores. Nothing is written.
import assert from 'node:assert/strict';
import type { StatementSync } from 'node:sqlite';
import { openDatabase } from '../src/db/database.ts';
import { pageRows } from '../src/modules/search/results.repository.ts';
import { benchArgs, loadAverage, seededRandom, threadCpuMs } from './cli.ts';

const values = benchArgs(
  'Usage: npx node bench/page-statement-shapes.ts --data DIR [--pool 20000] [--pages 1500] [--rounds 6] [--seed 7]\n',
  {
    data: { type: 'string' },
    pool: { type: 'string', default: '20000' },
    pages: { type: 'string', default: '1500' },
    rounds: { type: 'string', default: '6' },
    seed: { type: 'string', default: '7' },
  },
  (v) => v.data !== undefined,
);
const random = seededRandom(Number(values.seed));
const database = openDatabase({ dataDir: String(values.data), lock: false });
const raw = database.sqlite;
if (!raw) throw new Error('SQLite only');
try {
  const active = (
    raw.prepare("select id from products where parent_id is null and status = 'active'").all() as {
      id: number;
    }[]
  ).map((r) => r.id);
  const pool = Array.from(
    { length: Number(values.pool) },
    () => active[Math.floor(random() * active.length)]!,
  );
  const storeOf = raw.prepare('select location_id from inventory_levels where product_id = ? limit 1');
  const pages = Array.from({ length: Number(values.pages) }, () => {
    const ids = Array.from({ length: 20 }, () => pool[Math.floor(random() * pool.length)]!);
    const locs: number[] = [];
    for (const id of ids) {
      const l = (storeOf.get(id) as { location_id: number } | undefined)?.location_id ?? 1;
      if (!locs.includes(l)) locs.push(l);
    }
    return { ids, locs };
  });
  type Page = (typeof pages)[number];
  const hasIndex =
    raw.prepare("select 1 from sqlite_master where type = 'index' and name = 'locations_names'").get() !==
    undefined;
  const statements = new Map<string, StatementSync>();
  const prep = (text: string) => {
    let st = statements.get(text);
    if (!st) {
      st = raw.prepare(text);
      st.setReturnArrays(true);
      statements.set(text, st);
    }
    return st;
  };
  const q = (n: number) => Array.from({ length: n }, () => '?').join(',');
  const T = 'p.sku, p.title_fr, p.title_en, p.description_fr, p.description_en, p.images_json, p.gtin';
  const stock = 'i.location_id, i.on_hand, i.reserved';
  const P = (n: number, texts = `, ${T}`) =>
    `select p.id, p.parent_id, p.price_cents, p.status, ${stock}${texts}
     from products p left join inventory_levels i on i.product_id = p.id where p.id in (${q(n)})`;
  const V = (n: number) =>
    `select v.id, v.parent_id, v.price_cents, v.status, ${stock}
     from products v left join inventory_levels i on i.product_id = v.id where v.parent_id in (${q(n)})`;
  const L = (n: number, by: string) => `select id, name from locations ${by} where id in (${q(n)})`;
  // pageRows' statement as one text, for the two shapes that wrap it.
  const none = 'null, null, null, null, null, null, null';
  const U = (n: number, m: number) =>
    `select 0 as kind, p.id, p.parent_id, p.price_cents, p.status, ${stock}, null as name, ${T}
     from products p left join inventory_levels i on i.product_id = p.id where p.id in (${q(n)})
     union all select 1, v.id, v.parent_id, v.price_cents, v.status, ${stock}, null, ${none}
     from products v left join inventory_levels i on i.product_id = v.id where v.parent_id in (${q(n)})
     union all select 2, l.id, null, null, null, null, null, null, l.name, ${none}
     from locations l where l.id in (${q(m)})`;
  const cols =
    'kind, id, parent_id, price_cents, status, location_id, on_hand, reserved, name, sku, title_fr, title_en, description_fr, description_en, images_json, gtin';
  const shapes: Record<string, (p: Page) => unknown> = {
    'pageRows (one statement)': (p) => pageRows(database, p.ids, p.locs, true),
    'three statements': (p) => [
      prep(P(p.ids.length)).all(...p.ids),
      prep(V(p.ids.length)).all(...p.ids),
      prep(L(p.locs.length, '')).all(...p.locs),
    ],
    'products and stock only': (p) => prep(P(p.ids.length)).all(...p.ids),
    'products and stock, no texts': (p) => prep(P(p.ids.length, '')).all(...p.ids),
    'products and stock, French texts only': (p) =>
      prep(P(p.ids.length, ', p.sku, p.title_fr, p.description_fr, p.images_json, p.gtin')).all(...p.ids),
    'products and stock, ids as one JSON parameter': (p) =>
      prep(P(0).replace('in ()', 'in (select value from json_each(?))')).all(JSON.stringify(p.ids)),
    'products and stock, one statement per product': (p) => {
      const st = prep(P(1));
      return p.ids.map((id) => st.all(id));
    },
    'variants only (none in the 1M region)': (p) => prep(V(p.ids.length)).all(...p.ids),
    'stores by rowid': (p) => prep(L(p.locs.length, '')).all(...p.locs),
    ...(hasIndex
      ? {
          'stores by locations_names': (p: Page) =>
            prep(L(p.locs.length, 'indexed by locations_names')).all(...p.locs),
        }
      : {}),
    'one statement, summed in SQLite (no values to JavaScript)': (p) =>
      prep(
        `select count(*), sum(${cols
          .split(', ')
          .map((c) => `length(${c})`)
          .join('+')}) from (${U(p.ids.length, p.locs.length)})`,
      ).all(...p.ids, ...p.ids, ...p.locs),
    'one statement as one JSON text': (p) =>
      JSON.parse(
        (
          prep(`select json_group_array(json_array(${cols})) from (${U(p.ids.length, p.locs.length)})`).get(
            ...p.ids,
            ...p.ids,
            ...p.locs,
          ) as unknown as [string]
        )[0],
      ),
  };
  // The JSON shape is the statement's rows (same values, same order).
  for (const p of pages.slice(0, 50))
    assert.deepStrictEqual(
      shapes['one statement as one JSON text']!(p),
      await pageRows(database, p.ids, p.locs, true),
    );
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      loadavg: loadAverage(),
      pool: values.pool,
      pages: pages.length,
    }),
  );
  const sums = new Map<string, number[]>();
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = Object.entries(shapes);
    if (round % 2 === 1) order.reverse();
    for (const [name, fn] of order) {
      const c0 = threadCpuMs();
      for (const p of pages) await fn(p);
      sums.set(name, [...(sums.get(name) ?? []), ((threadCpuMs() - c0) / pages.length) * 1000]);
    }
  }
  for (const [name, xs] of sums)
    console.log(
      JSON.stringify({
        shape: name,
        cpu_us_per_page: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length),
        rounds: xs.map((x) => Math.round(x)),
      }),
    );
  console.log(JSON.stringify({ loadavg: loadAverage() }));
} finally {
  await database.close();
}
