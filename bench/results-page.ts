// The page of results as shown (src/modules/search/results.ts presentResults) on realistic searches,
// in process: the pages the searches of bench/search-core.ts --set realistic show, then
//  - how often a page's products are in the texts kept in memory, for several sizes of that cache
//    (least recently shown first out, as results.ts), and the heap each kept product takes;
//  - the CPU of the answers' JSON (the HTTP route's serialization);
//  - with --baseline CHECKOUT, the CPU per page of presentResults of that checkout (the code before
//    a change) and of this tree, in the same process, alternating page by page over the same pages
//    (each tree with its own caches, fed the same sequence), checking both show the same page.
// Results go in docs/PERFORMANCE.md ("The results page: ...").
//
//   npx node --expose-gc bench/results-page.ts --data DIR [--queries 3000] [--baseline CHECKOUT]
//                                              [--seed 42] [--rounds 2]
//
// The pages are those of this tree's search(); their Scored rows are rebuilt from the answer (the
// fields presentResults reads), their words are search()'s (parseQuery, then prepareWords). Nothing
// is written to the dataset.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../src/db/database.ts';
import { parseImages } from '../src/modules/catalog/index.ts';
import { fold, parseQuery, type QueryWord } from '../src/modules/search/normalize.ts';
import { reference } from '../src/modules/search/reference.ts';
import { pageRows } from '../src/modules/search/results.repository.ts';
import type { presentResults } from '../src/modules/search/results.ts';
import { search } from '../src/modules/search/search.service.ts';
import type { Lang, Scored } from '../src/modules/search/search.types.ts';
import { prepareWords } from '../src/modules/search/text-match.ts';
import { benchArgs, loadAverage, quietLog, round, seededRandom, threadCpuMs } from './cli.ts';
import { benchQueries } from './realistic-queries.ts';

const values = benchArgs(
  'Usage: npx node --expose-gc bench/results-page.ts [--data DIR] [--queries N] [--baseline CHECKOUT] [--seed N] [--rounds N]\n' +
    '  --data DIR  the dataset [.bench-data/sqlite-1m]; --queries [3000], --seed [42], --rounds [2]\n',
  {
    data: { type: 'string', default: '.bench-data/sqlite-1m' },
    queries: { type: 'string', default: '3000' },
    baseline: { type: 'string' },
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '2' },
  },
);
const random = seededRandom(Number(values.seed));
type Present = typeof presentResults;

const database = openDatabase({ dataDir: String(values.data), lock: false });
try {
  const trees = [resolve(import.meta.dirname, '..'), ...(values.baseline ? [resolve(values.baseline)] : [])];
  const present: Present[] = [];
  for (const tree of trees) {
    const mod = (path: string) => import(pathToFileURL(resolve(tree, 'src/modules/search', path)).href);
    await mod('index.ts');
    const memory = await mod('memory.ts');
    memory.useFactsSnapshot(database, { write: false, log: quietLog });
    await memory.catalogMemory(database);
    present.push((await mod('results.ts')).presentResults as Present);
  }
  await (await import('../src/modules/search/text-index-state.ts')).textIndexBuilt(database);
  const ref = await reference(database);
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      loadavg: loadAverage(),
      node: process.version,
      baseline: values.baseline !== undefined,
    }),
  );
  // A realistic shopper's searches, as bench/ranking-cap.ts and candidates-cpu.ts draw them.
  const query = await benchQueries(database, random, 'shopper');
  type Page = { slice: Scored[]; words: QueryWord[]; lang: Lang };
  const pages: Page[] = [];
  const answers: unknown[] = [];
  const n = Number(values.queries);
  for (let i = 0; i < n; i++) {
    const q = query(i);
    const a = await search(database, q);
    answers.push(a);
    if (a.results.length === 0) continue;
    const parsed = parseQuery((q.q ?? '').slice(0, 500), { prefixLast: true });
    const words = parsed.length > 0 ? await prepareWords(database, parsed) : parsed;
    const slice = a.results.map(
      (r): Scored => ({
        product_id: r.product_id,
        merchant_id: r.merchant.id,
        category_id: null,
        quebec_label: r.quebec_label,
        price_cents: r.price_cents,
        gtin_id: 0,
        location_id: r.location.id,
        lat: r.location.lat,
        lng: r.location.lng,
        pickup: 0,
        delivery_radius_km: 0,
        delivers: r.location.delivers,
        open: false,
        available: r.available,
        distance_km: r.location.distance_km,
        score: r.score,
        offers: r.offers_nearby,
      }),
    );
    pages.push({ slice, words, lang: q.lang ?? 'fr' });
  }
  // The answers' JSON (what the HTTP route sends: src/http/api/search.routes.ts, fastify-type-provider-zod's
  // serializer, JSON.stringify after a schema that accepts any value), CPU per answer, 3 times over.
  {
    let bytes = 0;
    const c0 = threadCpuMs();
    for (let k = 0; k < 3; k++) for (const a of answers) bytes += JSON.stringify(a).length;
    const per = (threadCpuMs() - c0) / (3 * answers.length);
    console.log(
      JSON.stringify({
        json_cpu_ms_per_answer: round(per),
        json_bytes_per_answer: Math.round(bytes / 3 / answers.length),
      }),
    );
  }
  // Hit rate of a cache of shown products, least recently shown first out, by size.
  const hitRates: Record<string, number> = {};
  for (const size of [2_000, 5_000, 10_000, 20_000, 50_000, Number.POSITIVE_INFINITY]) {
    const lru = new Map<number, true>();
    let hits = 0;
    let shown = 0;
    for (const p of pages)
      for (const s of p.slice) {
        shown++;
        if (lru.delete(s.product_id)) hits++;
        lru.set(s.product_id, true);
        if (lru.size > size) lru.delete(lru.keys().next().value!);
      }
    hitRates[String(size)] = round(hits / shown);
  }
  const distinct = new Set(pages.flatMap((p) => p.slice.map((s) => s.product_id))).size;
  console.log(JSON.stringify({ pages: pages.length, products_shown: distinct, hit_rate_by_size: hitRates }));
  // Heap per kept product: 20,000 distinct shown products' texts held as results.ts holds them (an
  // object of the texts, the image's address, the French description folded for the snippet).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    const ids = [...new Set(pages.flatMap((p) => p.slice.map((s) => s.product_id)))].slice(0, 20_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = new Map<number, object>();
    for (let i = 0; i < ids.length; i += 20)
      for (const r of await pageRows(database, ids.slice(i, i + 20), [0], true)) {
        if (r[0] !== 0 || kept.has(r[1])) continue;
        const descriptionFr = r[12] ?? '';
        kept.set(r[1], {
          sku: r[9],
          title_fr: r[10],
          title_en: r[11],
          description_fr: descriptionFr,
          description_en: r[13],
          image_url: parseImages(r[14] ?? '[]')[0]?.url ?? null,
          gtin: r[15],
          folded_fr: fold(descriptionFr),
        });
      }
    gc();
    const after = process.memoryUsage().heapUsed;
    console.log(
      JSON.stringify({
        kept_products: kept.size,
        heap_bytes_per_kept: Math.round((after - before) / kept.size),
      }),
    );
  }
  if (present.length === 1) {
    // This tree alone (for a profile): CPU per page over the pages, `rounds` times.
    const c0 = threadCpuMs();
    for (let round_ = 0; round_ < Number(values.rounds); round_++)
      for (const p of pages) await present[0]!(database, ref, p.slice, p.words, p.lang);
    const per = (threadCpuMs() - c0) / (pages.length * Number(values.rounds));
    console.log(JSON.stringify({ run: 'current', cpu_ms_per_page: round(per) }));
  }
  if (present.length === 2) {
    const [current, base] = present as [Present, Present];
    const runs: [string, Present][] = [
      ['before', base],
      ['after', current],
    ];
    const cpu = new Map<string, number>(runs.map(([name]) => [name, 0]));
    let compared = 0;
    // Blocks of 25 pages, each tree in turn (which goes first alternating): CPU time is counted in
    // ticks of a few ms on this kernel, too coarse for one page.
    const BLOCK = 25;
    for (let round_ = 0; round_ < Number(values.rounds); round_++)
      for (let b = 0; b * BLOCK < pages.length; b++) {
        const block = pages.slice(b * BLOCK, (b + 1) * BLOCK);
        const answers = new Map<string, unknown[]>();
        for (const [name, fn] of b % 2 === 0 ? runs : [...runs].reverse()) {
          const out: unknown[] = [];
          const c0 = threadCpuMs();
          for (const p of block) out.push(await fn(database, ref, p.slice, p.words, p.lang));
          cpu.set(name, cpu.get(name)! + threadCpuMs() - c0);
          answers.set(name, out);
        }
        assert.deepStrictEqual(answers.get('after'), answers.get('before'), `block ${b} differs`);
        compared += block.length;
      }
    for (const [name, total] of cpu)
      console.log(JSON.stringify({ run: name, pages: compared, cpu_ms_per_page: round(total / compared) }));
  }
  console.log(
    JSON.stringify({
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
      loadavg: loadAverage(),
    }),
  );
} finally {
  await database.close();
}
