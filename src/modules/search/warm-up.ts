/**
 * Background warm-up of the text-hit cache (text-match.ts) after a server is ready: the first
 * read of a common word's or prefix's hit list costs 8-50 ms of a blocked event loop, paid once
 * per process, so a fresh server (each worker of WEB_CONCURRENCY) otherwise pays it in shoppers'
 * requests. The texts most likely asked, and most expensive to read, are the most frequent in a
 * sample of the catalogue's titles (a word, a pair, a 3-5 letter prefix in many titles: what
 * shoppers type, and a long list); their lists are read through the search's own path (parseQuery, prepareWords, matchExpr,
 * textHits) so a later search with the same text finds them cached. One list per event-loop turn,
 * within a CPU and a byte budget; it stops as soon as requests keep the loop busy.
 */
import type { Database } from '../../db/database.ts';
import { hitCacheEpoch } from './hit-cache.ts';
import { parseQuery } from './normalize.ts';
import { maxDocumentId, productTitlesOf } from './search.repository.ts';
import { textIndexBuilt } from './text-index-state.ts';
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
 * Texts to warm, most frequent first, from the titles of products spread over the id range: each
 * title's words alone, its adjacent pairs, the title itself (up to 3 words), and the 3 to 5 letter
 * prefixes of its words and of its first pair's second word, as typed while a shopper is still
 * typing; the first word's texts weigh five times the others' (a French title names the product
 * first: over a realistic mix at 1M this saved 12-15 % of the first reads' time, against 4-7 %
 * weighing every word alike). Frequent texts match many products: their lists are the long ones.
 */
async function candidateTexts(database: Database, sampleSize: number): Promise<string[]> {
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
    await nextTurn();
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
  const end = (stopped: WarmUpReport['stopped']) => {
    report.stopped = stopped;
    report.ms = Math.round(performance.now() - started);
    report.cpuMs = Math.round(threadCpuMs() - cpu0 - waitCpuMs);
    report.bytes = Math.max(0, cachedBytes(database) - bytes0);
    return report;
  };
  const texts = await candidateTexts(database, opts.sample ?? 4000);
  report.candidates = texts.length;
  if (texts.length === 0) return end('empty');
  // The lists from the in-process text index (SQLite), once it is loaded: a server starts the
  // warm-up a second after /readyz, often before the index file is read, and FTS5 read the first
  // lists then at 8-50 ms each, from the same CPU budget. Nothing to wait for without an index.
  const beforeWait = threadCpuMs();
  await textIndexBuilt(database);
  waitCpuMs = threadCpuMs() - beforeWait;
  const seen = new Set<string>();
  let busyTurns = 0;
  // PostgreSQL: a list's cost is the database's time (a common word's rows read from its heap,
  // 0.1-1 s each at 1M), not this thread's CPU: the time waited for the reads counts in the
  // budget. Counting CPU only, a 5 s budget held the database busy 80-210 s after each start.
  let waitedMs = 0;
  const spentMs = () => threadCpuMs() - cpu0 - waitCpuMs + waitedMs;
  for (const text of texts) {
    // Three long gaps in a row: requests are queueing (one may be a collection or a slow request).
    busyTurns = (await nextTurn()) > maxGapMs ? busyTurns + 1 : 0;
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

/**
 * A server's warm-up (`comptoir serve`, each worker): started once the facts are ready, in the
 * background; `cpuSeconds` 0 turns it off (SEARCH_WARM_UP_SECONDS). Logs what it read.
 */
export function warmTextHitsInBackground(
  database: Database,
  cpuSeconds: number,
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void },
  /** Begin this much later: the first /readyz answers and the start's own work are done first. */
  startAfterMs = 0,
): Promise<WarmUpReport | undefined> {
  if (!(cpuSeconds > 0)) return Promise.resolve(undefined);
  return new Promise<void>((resolve) => setTimeout(resolve, startAfterMs))
    .then(() => warmTextHits(database, { cpuMs: cpuSeconds * 1000 }))
    .then(
      (report) => {
        log.info({ searchWarmUp: report }, 'search text-hit cache warmed');
        return report;
      },
      (err) => {
        log.warn({ err }, 'search text-hit warm-up failed');
        return undefined;
      },
    );
}
