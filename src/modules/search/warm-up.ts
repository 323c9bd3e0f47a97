/**
 * Background warm-ups after a server is ready, each paid once per process, so that a fresh server
 * (each worker of WEB_CONCURRENCY) does not pay them in shoppers' requests.
 *
 * The browse summaries first (warmBrowseSummaries): browsing without words reads summaries of
 * every nearby merchant's products, which the first browse of an area otherwise builds in the
 * shopper's request (330 ms at 1M). A few milliseconds per event-loop turn.
 *
 * Then the text-hit cache (text-match.ts): the first read of a common word's or prefix's hit list
 * costs 8-50 ms of a blocked event loop. The texts most likely asked, and most expensive to read,
 * are the most frequent in a sample of the catalogue's titles (a word, a pair, a 3-5 letter prefix
 * in many titles: what shoppers type, and a long list); their lists are read through the search's
 * own path (parseQuery, prepareWords, matchExpr, textHits) so a later search with the same text
 * finds them cached. One list per event-loop turn, within a CPU and a byte budget.
 *
 * Each stops as soon as requests keep the loop busy.
 */
import { channel as diagnosticsChannel } from 'node:diagnostics_channel';
import type { Database } from '../../db/database.ts';
import { boundingBox, haversineKm } from '../common/geo.ts';
import { deliversTo, openMaskAt, searchArea } from './area.ts';
import { browse } from './browse.ts';
import { browseIndex, summariseMerchant } from './browse-index.ts';
import { hitCacheEpoch } from './hit-cache.ts';
import { catalogMemory, onCatalogChange } from './memory.ts';
import { parseQuery } from './normalize.ts';
import { reference } from './reference.ts';
import { maxDocumentId, productTitlesOf } from './search.repository.ts';
import { RANKING, type SortKey } from './search.types.ts';
import { textIndexBuilt, textIndexStatus } from './text-index-state.ts';
import { cachedBytes, matchExpr, prepareWords, textHits, textHitsCached } from './text-match.ts';

export interface WarmUpOptions {
  /**
   * CPU time of this thread the warm-up may spend, in milliseconds (PostgreSQL: plus the time its
   * reads wait for the database).
   */
  cpuMs: number;
  /** Stop once the text-hit cache holds this many (estimated) bytes. Default: 32 MB of its 64. */
  maxBytes?: number;
  /** Stop when other work held the loop this long between two lists (requests queueing). Default 25 ms. */
  maxGapMs?: number;
  /** Documents sampled to estimate term frequencies. Default 4,000. */
  sample?: number;
}

export interface WarmUpReport {
  /** Lists read (cache misses filled). */
  lists: number;
  /** Ids in those lists. */
  ids: number;
  /** Estimated bytes they added to the cache. */
  bytes: number;
  /** Wall time from start to end, and CPU time of this thread spent, in milliseconds. */
  ms: number;
  cpuMs: number;
  /** Texts considered (most frequent first). */
  candidates: number;
  /** Why it ended. */
  stopped: 'done' | 'cpu' | 'bytes' | 'busy' | 'catalogue' | 'empty';
}

const threadCpuMs = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
};

/** The next event-loop turn, and how long other callbacks (requests) held the loop before it. */
const nextTurn = () =>
  new Promise<number>((resolve) => {
    const t = performance.now();
    setImmediate(() => resolve(performance.now() - t));
  });

/**
 * Each warm-up turn's wall interval and thread CPU (its work between two yields), for a
 * benchmark's probe (bench/search-tail-probe.ts): measured and published only while someone
 * subscribes, so a server without the probe measures nothing.
 */
export const warmUpChannel = diagnosticsChannel('comptoir:search-warm-up');
/** What warmUpChannel publishes: times from performance.now(), CPU of this thread, in ms. */
export interface WarmUpTurnTiming {
  phase: 'browse' | 'text';
  start: number;
  end: number;
  cpuMs: number;
}

/** The warm-up's yields (nextTurn), publishing on warmUpChannel the turn each one ends. */
function turns(phase: WarmUpTurnTiming['phase']) {
  let start = -1;
  let cpu = 0;
  const begin = () => {
    start = warmUpChannel.hasSubscribers ? performance.now() : -1;
    if (start >= 0) cpu = threadCpuMs();
  };
  const publish = () => {
    if (start >= 0 && warmUpChannel.hasSubscribers)
      warmUpChannel.publish({
        phase,
        start,
        end: performance.now(),
        cpuMs: threadCpuMs() - cpu,
      } satisfies WarmUpTurnTiming);
    start = -1;
  };
  begin();
  return {
    /** Ends this turn, yields (nextTurn), begins the next. */
    async next(): Promise<number> {
      publish();
      const gap = await nextTurn();
      begin();
      return gap;
    },
    /** Ends this turn without yielding (the warm-up stops). */
    end: publish,
    /** Starts the turn anew after a wait that was not the warm-up's work. */
    restart: begin,
  };
}

/**
 * Texts to warm, most frequent first, from the titles of products spread over the id range: each
 * title's words alone, its adjacent pairs, the title itself (up to 3 words), and the 3 to 5 letter
 * prefixes of its words and of its first pair's second word, as typed while a shopper is still
 * typing; the first word's texts weigh five times the others' (a French title names the product
 * first: over a realistic mix at 1M this saved 12-15 % of the first reads' time, against 4-7 %
 * weighing every word alike). Frequent texts match many products: their lists are the long ones.
 */
async function candidateTexts(
  database: Database,
  sampleSize: number,
  turn: ReturnType<typeof turns>,
): Promise<string[]> {
  const max = await maxDocumentId(database.db);
  if (max === 0) return [];
  const step = Math.max(1, max / sampleSize);
  const ids: number[] = [];
  for (let id = 1; id <= max; id += step) ids.push(Math.floor(id));
  const counts = new Map<string, number>();
  // 100 titles a turn (≈ 5 ms): a request arriving meanwhile waits no longer than that.
  for (let i = 0; i < ids.length; i += 100) {
    for (const p of await productTitlesOf(database.db, ids.slice(i, i + 100)))
      for (const title of [p.title_fr, p.title_en]) {
        if (!title) continue;
        const words = parseQuery(title).map((w) => w.word);
        // A title starts with what the product is ("Casque de vélo", then its qualities): what
        // shoppers type counts fully there, a later word or pair a fifth.
        const texts = new Map<string, number>();
        const add = (t: string, weight: number) => texts.set(t, Math.max(texts.get(t) ?? 0, weight));
        words.forEach((w, k) => {
          const weight = k === 0 ? 1 : 0.2;
          add(w, weight);
          if (k + 1 < words.length) add(`${w} ${words[k + 1]}`, weight);
          for (const n of [3, 4, 5]) if (w.length > n) add(w.slice(0, n), weight);
          if (k === 0 && words.length > 1)
            for (const n of [3, 4, 5]) if (words[1]!.length > n) add(`${w} ${words[1]!.slice(0, n)}`, 1);
        });
        if (words.length > 1 && words.length <= 3) add(words.join(' '), 1);
        for (const [t, weight] of texts) counts.set(t, (counts.get(t) ?? 0) + weight);
      }
    await turn.next();
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
}

/**
 * Reads the hit lists of the texts shoppers most likely type into the text-hit cache, in the
 * background (see the module comment). Resolves with what it read; never rejects for a busy loop.
 */
export async function warmTextHits(database: Database, opts: WarmUpOptions): Promise<WarmUpReport> {
  const started = performance.now();
  const cpu0 = threadCpuMs();
  const bytes0 = cachedBytes(database);
  const maxBytes = opts.maxBytes ?? 32 * 2 ** 20;
  const maxGapMs = opts.maxGapMs ?? 25;
  // A product write drops only the lists it can change (hit-cache.ts): the warm-up goes on past
  // it, and stops when the whole cache is dropped (a full rebuild, a bulk import, PostgreSQL).
  const epoch = hitCacheEpoch(database);
  const report: WarmUpReport = {
    lists: 0,
    ids: 0,
    bytes: 0,
    ms: 0,
    cpuMs: 0,
    candidates: 0,
    stopped: 'done',
  };
  // The thread's CPU while waiting for the text index is the requests it served meanwhile, not
  // the warm-up's: left out of its budget and report.
  let waitCpuMs = 0;
  const turn = turns('text');
  const end = (stopped: WarmUpReport['stopped']) => {
    turn.end();
    report.stopped = stopped;
    report.ms = Math.round(performance.now() - started);
    report.cpuMs = Math.round(threadCpuMs() - cpu0 - waitCpuMs);
    report.bytes = Math.max(0, cachedBytes(database) - bytes0);
    return report;
  };
  const texts = await candidateTexts(database, opts.sample ?? 4000, turn);
  report.candidates = texts.length;
  if (texts.length === 0) return end('empty');
  // The lists from the in-process text index (SQLite), once it is loaded: a server starts the
  // warm-up a second after /readyz, often before the index file is read, and FTS5 read the first
  // lists then at 8-50 ms each, from the same CPU budget. Nothing to wait for without an index.
  const beforeWait = threadCpuMs();
  turn.end();
  await textIndexBuilt(database);
  waitCpuMs = threadCpuMs() - beforeWait;
  turn.restart();
  const seen = new Set<string>();
  let busyTurns = 0;
  // PostgreSQL: a list's cost is the database's time (a common word's rows read from its heap,
  // 0.1-1 s each at 1M), not this thread's CPU: the time waited for the reads counts in the
  // budget. Counting CPU only, a 5 s budget held the database busy 80-210 s after each start.
  let waitedMs = 0;
  const spentMs = () => threadCpuMs() - cpu0 - waitCpuMs + waitedMs;
  for (const text of texts) {
    // Three long gaps in a row: requests are queueing (one may be a collection or a slow request).
    busyTurns = (await turn.next()) > maxGapMs ? busyTurns + 1 : 0;
    if (busyTurns >= 3) return end('busy');
    if (hitCacheEpoch(database) !== epoch) return end('catalogue');
    if (spentMs() >= opts.cpuMs) return end('cpu');
    if (cachedBytes(database) >= maxBytes) return end('bytes');
    // The expression a search for this text builds (search.service.ts), so it later hits the cache.
    const words = await prepareWords(database, parseQuery(text, { prefixLast: true }));
    if (words.length === 0) continue;
    const expr = matchExpr(database, words, 'all');
    if (seen.has(expr) || textHitsCached(database, expr)) continue;
    seen.add(expr);
    const t0 = performance.now();
    const c0 = threadCpuMs();
    const hits = await textHits(database, expr);
    if (database.kind === 'postgres') waitedMs += Math.max(0, performance.now() - t0 - (threadCpuMs() - c0));
    report.lists++;
    report.ids += hits.ids.length;
  }
  return end('done');
}

// Full drops of the catalogue facts (a full rebuild) per database: the browse warm-up's memory is then stale.
const factsDropped = new WeakMap<Database, number>();
onCatalogChange((database, ids) => {
  if (ids === null) factsDropped.set(database, (factsDropped.get(database) ?? 0) + 1);
});

/** Radius of the warm-up's browses, in km (see warmBrowseSummaries). */
const BROWSE_WARM_UP_KM = 5;

export interface BrowseWarmUpOptions {
  /** CPU time of this thread it may spend, in milliseconds. */
  cpuMs: number;
  /** Stop when other work held the loop this long between two slices (requests queueing). Default 25 ms. */
  maxGapMs?: number;
  /** CPU time of one slice (one event-loop turn), in milliseconds. Default 4. */
  sliceMs?: number;
}

export interface BrowseWarmUpReport {
  /** Merchants whose summaries were built (or found built), of all merchants with a location. */
  merchants: number;
  of: number;
  /** Browses run afterwards (one per town, the sorts in turn): a first browse's other costs. */
  browses: number;
  /** Wall time from start to end, and CPU time of this thread spent, in milliseconds. */
  ms: number;
  cpuMs: number;
  /** CPU time of its longest turn building summaries, and of its longest browse, in milliseconds. */
  longestSliceMs: number;
  longestBrowseMs: number;
  /** Why it ended. */
  stopped: 'done' | 'cpu' | 'busy' | 'catalogue';
}

/**
 * Builds the summaries browsing without words reads (browse-index.ts) of every merchant, nearest
 * a municipality first (where shoppers browse), a few milliseconds per event-loop turn: the first
 * browse of an area otherwise builds its merchants' summaries in the shopper's request (at 1M,
 * 330 ms for the first town at 25 km). They do not depend on the search (a location's, or a
 * merchant's over all its locations), so one pass over the merchants builds what any browse reads;
 * then a small browse per town. Stops as soon as requests keep the loop busy, at its CPU budget, or
 * when the catalogue facts are dropped (a full rebuild). A product change drops its merchant's
 * summaries as usual (browse-index.ts): the next browse that reads them rebuilds them.
 */
export async function warmBrowseSummaries(
  database: Database,
  opts: BrowseWarmUpOptions,
): Promise<BrowseWarmUpReport> {
  const started = performance.now();
  const cpu0 = threadCpuMs();
  const turn = turns('browse');
  const maxGapMs = opts.maxGapMs ?? 25;
  const sliceMs = opts.sliceMs ?? 4;
  const dropped = factsDropped.get(database) ?? 0;
  const ref = await reference(database);
  const m = await catalogMemory(database);
  const order: { mid: number; km: number }[] = [];
  const towns = ref.municipalities;
  for (let mid = 0; mid < ref.locationsByMerchant.length; mid++) {
    const locations = ref.locationsByMerchant[mid];
    if (!locations || locations.length === 0) continue;
    let km = Number.POSITIVE_INFINITY;
    for (const l of locations)
      for (const t of towns) km = Math.min(km, haversineKm(t.lat, t.lng, l.lat, l.lng));
    order.push({ mid, km });
  }
  order.sort((a, b) => a.km - b.km || a.mid - b.mid);
  const report: BrowseWarmUpReport = {
    merchants: 0,
    of: order.length,
    browses: 0,
    ms: 0,
    cpuMs: 0,
    longestSliceMs: 0,
    longestBrowseMs: 0,
    stopped: 'done',
  };
  const end = (stopped: BrowseWarmUpReport['stopped']) => {
    turn.end();
    report.stopped = stopped;
    report.ms = Math.round(performance.now() - started);
    report.cpuMs = Math.round(threadCpuMs() - cpu0);
    return report;
  };
  const took = (cpuAtStart: number) => Math.round((threadCpuMs() - cpuAtStart) * 10) / 10;
  let busyTurns = 0;
  let k = 0;
  while (k < order.length) {
    busyTurns = (await turn.next()) > maxGapMs ? busyTurns + 1 : 0;
    if (busyTurns >= 3) return end('busy');
    if ((factsDropped.get(database) ?? 0) !== dropped) return end('catalogue');
    const slice0 = threadCpuMs();
    if (slice0 - cpu0 >= opts.cpuMs) return end('cpu');
    // The index as it is now (patched with changes since the last turn, which drop summaries).
    const ix = browseIndex(m);
    do {
      const mid = order[k++]!.mid;
      summariseMerchant(ix, m, mid, ref.locationsByMerchant[mid]!);
      report.merchants++;
    } while (k < order.length && threadCpuMs() - slice0 < sliceMs);
    report.longestSliceMs = Math.max(report.longestSliceMs, took(slice0));
  }
  // Then a browse per town (the sorts in turn), one a turn: the code's first runs, the location
  // order and the group stamps, which a process's first browse paid too (80 ms at 1M with the
  // summaries built, 20-30 ms after these). Within BROWSE_WARM_UP_KM: a browse's result scratch
  // (browse.ts) grows with its results and stays, so the warm-up's stays small.
  const radius = BROWSE_WARM_UP_KM;
  const sorts: SortKey[] = ['relevance', 'price_asc', 'distance', 'price_desc'];
  // Smallest town first (fewest locations in the radius): the code's first, slowest runs are
  // then short turns, and the largest town's browse runs compiled code.
  const near = (t: { lat: number; lng: number }) =>
    ref.locations.reduce((n, l) => n + (haversineKm(t.lat, t.lng, l.lat, l.lng) <= radius ? 1 : 0), 0);
  const byLocations = towns.map((t) => ({ t, n: near(t) })).sort((a, b) => a.n - b.n);
  for (const [i, { t: town }] of byLocations.entries()) {
    const sort = sorts[i % sorts.length]!;
    busyTurns = (await turn.next()) > maxGapMs ? busyTurns + 1 : 0;
    if (busyTurns >= 3) return end('busy');
    if ((factsDropped.get(database) ?? 0) !== dropped) return end('catalogue');
    const turn0 = threadCpuMs();
    if (turn0 - cpu0 >= opts.cpuMs) return end('cpu');
    const point = { lat: town.lat, lng: town.lng };
    const box = boundingBox(point.lat, point.lng, radius);
    const openMask = openMaskAt(ref, new Date());
    const delivers = deliversTo(ref, { ...point, source: 'coordinates' });
    const { keeps } = searchArea(ref, { point, box, radius, openMask, delivers });
    browse(ref, m, {
      point,
      radius,
      keeps,
      box,
      delivers,
      openNow: false,
      openMask,
      categoryId: 0,
      quebec: false,
      inStock: false,
      sort,
      offset: 0,
      limit: 20,
      lang: 'fr',
      weights: RANKING,
    });
    report.longestBrowseMs = Math.max(report.longestBrowseMs, took(turn0));
    report.browses++;
  }
  return end('done');
}

/**
 * A server's warm-up (`comptoir serve`, each worker): started once the facts are ready, in the
 * background: first the browse summaries (warmBrowseSummaries), then the text-hit cache, each
 * within `cpuSeconds` of CPU; 0 turns it off (SEARCH_WARM_UP_SECONDS). Logs what it did (one line).
 */
export function warmTextHitsInBackground(
  database: Database,
  cpuSeconds: number,
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void },
  /** Begin this much later: the first /readyz answers and the start's own work are done first. */
  startAfterMs = 0,
): Promise<WarmUpReport | undefined> {
  if (!(cpuSeconds > 0)) return Promise.resolve(undefined);
  let browseWarmUp: BrowseWarmUpReport | undefined;
  return new Promise<void>((resolve) => setTimeout(resolve, startAfterMs))
    .then(() =>
      // A failed browse warm-up leaves the summaries to the first browses: the text warm-up goes on.
      warmBrowseSummaries(database, { cpuMs: cpuSeconds * 1000 }).then(
        (report) => {
          browseWarmUp = report;
        },
        (err) => log.warn({ err }, 'search browse warm-up failed'),
      ),
    )
    .then(() => warmTextHits(database, { cpuMs: cpuSeconds * 1000 }))
    .then(
      (report) => {
        // With the text index's state: loaded (or stored on PostgreSQL) or built by this start.
        log.info(
          { browseWarmUp, searchWarmUp: report, textIndex: textIndexStatus(database) },
          'search text-hit cache warmed',
        );
        return report;
      },
      (err) => {
        log.warn({ err }, 'search text-hit warm-up failed');
        return undefined;
      },
    );
}
