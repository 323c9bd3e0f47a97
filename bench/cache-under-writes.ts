// The text-hit cache under product writes (src/modules/search/hit-cache.ts): a realistic search
// stream in process (bench/realistic-queries.ts, as bench/search-core.ts --set realistic) with
// product edits between searches at a few rates, the cache dropping everything on each write
// (COMPTOIR_SEARCH_CACHE_WRITES=whole, as before) or only what the write can change (selective).
// Per block: the share of searches whose text-hit list was not cached (a first use), the CPU per
// search (writes excluded), and the writes' own CPU and the cache's share of it. Results go in
// docs/PERFORMANCE.md ("Text-hit cache under product writes").
//
//   cp .bench-data/sqlite-1m/{comptoir.db,search-facts.snapshot,search-text.index} /tmp/h2/sqlite-1m/
//   npx node bench/cache-under-writes.ts --data /tmp/h2/sqlite-1m [--rates 1,10,50] [--repeats 2]
//                                        [--warmup 1500] [--searches 2000] [--per-second 500] [--flip]
//
// WRITES TO THE DATA DIRECTORY (product titles and prices, their search documents): use a copy.
// The rate is in writes per second of a process serving --per-second searches a second: one write
// every per_second / rate searches (the searches are the clock, so runs are comparable on a noisy
// machine). A write is a shop sync's: a random active product's price (70 %) or its title with
// one more word of the vocabulary (30 %), re-indexed through indexProducts. After each write the
// text index reads the written document before the next search, as a server would within a
// millisecond. Blocks alternate whole and selective on the same searches and writes (the stream
// and the writes' random sequence restart for each pair; --flip swaps which goes first); each block
// starts from an empty cache, and counts only after its warm-up searches.
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import {
  applyCatalogChange,
  cachedBytes,
  hitCacheStats,
  lastCacheChange,
} from '../src/modules/search/hit-cache.ts';
import { indexProducts } from '../src/modules/search/index.ts';
import { catalogMemory, useFactsSnapshot } from '../src/modules/search/memory.ts';
import { parseQuery } from '../src/modules/search/normalize.ts';
import { search } from '../src/modules/search/search.service.ts';
import type { SearchParams } from '../src/modules/search/search.types.ts';
import { textIndexBuilt } from '../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords, textHitsCached } from '../src/modules/search/text-match.ts';
import { HEADS, realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    rates: { type: 'string', default: '1,10,50' },
    repeats: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '1500' },
    searches: { type: 'string', default: '2000' },
    'per-second': { type: 'string', default: '500' },
    seed: { type: 'string', default: '7' },
    flip: { type: 'boolean', default: false },
  },
});
if (!values.data) {
  process.stderr.write('Usage: npx node bench/cache-under-writes.ts --data COPY_DIR [--rates 1,10,50] ...\n');
  process.exit(2);
}
const cpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const prng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const database = openDatabase({ dataDir: values.data, lock: false });
try {
  const quiet = { info() {}, warn: (o: object, msg: string) => console.error(msg, o) };
  useFactsSnapshot(database, { write: false, log: quiet });
  const m = await catalogMemory(database);
  if (!(await textIndexBuilt(database))) console.error('no text index: FTS5 answers');
  const active: number[] = [];
  for (let id = 0; id < m.merchant.length; id++) if (m.merchant[id]) active.push(id);
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      cpus: cpus().length,
      loadavg: loadavg().map((x) => round(x, 2)),
      node: process.version,
      products: active.length,
    }),
  );
  const now = new Date();
  const perSecond = Number(values['per-second']);
  const warmup = Number(values.warmup);
  const searches = Number(values.searches);

  async function block(mode: 'whole' | 'selective', rate: number, seed: number) {
    if (mode === 'whole') process.env.COMPTOIR_SEARCH_CACHE_WRITES = 'whole';
    else delete process.env.COMPTOIR_SEARCH_CACHE_WRITES;
    applyCatalogChange(database, null); // an empty cache (the hit cache only)
    const shopper = realisticShopper(prng(seed));
    const writeRandom = prng(seed + 1000);
    const every = rate > 0 ? Math.max(1, Math.round(perSecond / rate)) : Number.POSITIVE_INFINITY;
    let first = 0;
    let cpu = 0;
    let writes = 0;
    let writeCpu = 0;
    let cacheMs = 0;
    // The search right after a write: it also reloads the reference data (reference.ts
    // markReferenceStale, every indexProducts), whichever the cache does; counted apart.
    let afterWrite = false;
    let afterWriteCpu = 0;
    let afterWrites = 0;
    let stats0 = { ...hitCacheStats };
    for (let i = 0; i < warmup + searches; i++) {
      const counted = i >= warmup;
      if (i % every === every - 1) {
        const id = active[Math.floor(writeRandom() * active.length)]!;
        const c0 = cpuMs();
        const edit =
          writeRandom() < 0.7
            ? { price_cents: 100 + Math.floor(writeRandom() * 10_000) }
            : {
                title_fr: `${(await database.db.selectFrom('products').select('title_fr').where('id', '=', id).executeTakeFirstOrThrow()).title_fr.slice(0, 80)} ${HEADS[Math.floor(writeRandom() * HEADS.length)]}`,
              };
        await database.db.updateTable('products').set(edit).where('id', '=', id).execute();
        await indexProducts(database, [id]);
        await textIndexBuilt(database);
        afterWrite = true;
        if (counted) {
          writes++;
          writeCpu += cpuMs() - c0;
          cacheMs += lastCacheChange()?.ms ?? 0;
        }
      }
      const q: SearchParams = {
        q: shopper.text(),
        ...shopper.point(),
        radius_km: shopper.radius(),
        per_page: 20,
        now,
      };
      if (i === warmup) stats0 = { ...hitCacheStats };
      const c0 = cpuMs();
      // A first use: the search's text-hit list is not cached (its words prepared as the search does).
      const words = await prepareWords(database, parseQuery(q.q!, { prefixLast: true }));
      const miss = words.length > 0 && !textHitsCached(database, matchExpr(database, words, 'all'));
      await search(database, q);
      const spent = cpuMs() - c0;
      const wasAfterWrite = afterWrite;
      afterWrite = false;
      if (!counted) continue;
      if (miss) first++;
      if (wasAfterWrite) {
        afterWriteCpu += spent;
        afterWrites++;
      } else cpu += spent;
    }
    return {
      mode,
      rate,
      searches,
      first_use_share: round(first / searches),
      // Searches but the one after each write.
      cpu_ms_per_search: round(cpu / (searches - afterWrites)),
      cpu_ms_after_write: round(afterWriteCpu / Math.max(1, afterWrites)),
      writes,
      write_cpu_ms: round(writeCpu / Math.max(1, writes)),
      cache_ms_per_write: round(cacheMs / Math.max(1, writes)),
      // Entries checked against the writes since their last read (selective), when read again.
      checks_per_search: round((hitCacheStats.checks - stats0.checks) / searches),
      check_ms_per_search: round((hitCacheStats.checkMs - stats0.checkMs) / searches),
      dropped_per_write: round((hitCacheStats.dropped - stats0.dropped) / Math.max(1, writes), 1),
      cached_mb: round(cachedBytes(database) / 2 ** 20, 1),
    };
  }

  const rates = String(values.rates).split(',').map(Number);
  const repeats = Number(values.repeats);
  for (let r = 0; r < repeats; r++)
    for (const rate of rates) {
      const seed = Number(values.seed) + 17 * r + rate;
      // Alternating which goes first.
      const modes: ('whole' | 'selective')[] =
        (r + rate) % 2 === 0 ? ['whole', 'selective'] : ['selective', 'whole'];
      if (values.flip) modes.reverse();
      for (const mode of modes) console.log(JSON.stringify(await block(mode, rate, seed)));
    }
  console.log(
    JSON.stringify({
      loadavg: loadavg().map((x) => round(x, 2)),
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
} finally {
  await database.close();
}
