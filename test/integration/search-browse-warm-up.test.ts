import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { browseIndex, summaryBytes } from '../../src/modules/search/browse-index.ts';
import {
  catalogMemory,
  indexProducts,
  rebuildSearchIndex,
  type SearchParams,
  search,
  warmTextHitsInBackground,
} from '../../src/modules/search/index.ts';
import { reference } from '../../src/modules/search/reference.ts';
import { warmBrowseSummaries } from '../../src/modules/search/warm-up.ts';
import { seedDemo } from '../../src/tools/demo/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

/**
 * The browse warm-up (src/modules/search/warm-up.ts warmBrowseSummaries): it builds the summaries
 * of every merchant's products that browsing without words reads (browse-index.ts), so browses
 * after it build none (the first browse of an area no longer pays for them) and answer exactly as
 * browses that built them on first use; its CPU budget stops it; the server's warm-up runs it.
 */
describe('browse warm-up', () => {
  let p: TestPlatform;
  let database: Database;
  let towns: { lat: number; lng: number }[] = [];
  const now = new Date('2026-12-05T16:00:00Z');
  let seed = 20261205;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  /** Browse queries (no text) around the towns: radii, sorts, pages and filters. */
  const queries = (n: number): SearchParams[] =>
    Array.from({ length: n }, () => {
      const t = pick(towns);
      const params: SearchParams = {
        lat: t.lat + (random() - 0.5) * 0.1,
        lng: t.lng + (random() - 0.5) * 0.1,
        radius_km: pick([5, 10, 25, 60]),
        sort: pick(['relevance', 'distance', 'price_asc', 'price_desc'] as const),
        per_page: pick([5, 20]),
        page: pick([1, 2]),
        now,
      };
      if (random() < 0.25) params.in_stock = true;
      if (random() < 0.2) params.quebec = true;
      if (random() < 0.25) params.fulfilment = pick(['pickup', 'delivery'] as const);
      return params;
    });
  const answers = async (qs: SearchParams[]) => {
    const out = [];
    for (const q of qs) out.push(await search(database, q));
    return out;
  };
  /** Summaries built so far: location summary slots and merchant summaries. */
  const built = async () => {
    const ix = browseIndex(await catalogMemory(database));
    return {
      slots: ix.locs.slots - ix.locs.free.length,
      merchants: ix.merchantSummaries.filter((s) => s !== undefined).length,
    };
  };
  /** Fresh facts: a full rebuild drops them, and the browse index and its summaries with them. */
  const freshIndex = async () => {
    await rebuildSearchIndex(database);
    await catalogMemory(database);
    assert.deepEqual(await built(), { slots: 0, merchants: 0 });
  };

  before(async () => {
    p = await createTestPlatform();
    database = p.context.database;
    await seedDemo(database, { merchants: 40, products: 2500, seed: 11 });
    towns = (await database.db.selectFrom('municipalities').select(['lat', 'lng']).execute()).slice(0, 12);
    assert.ok(towns.length > 0);
  });
  after(() => p.close());

  test('builds every merchant’s summaries; later browses build none and answer as without it', async () => {
    const qs = queries(40);
    await freshIndex();
    const lazy = await answers(qs);
    assert.ok(lazy.filter((a) => a.total > 0).length > qs.length / 2, 'the queries find products');

    await freshIndex();
    const report = await warmBrowseSummaries(database, { cpuMs: 60_000, maxGapMs: 10_000 });
    assert.equal(report.stopped, 'done');
    assert.ok(report.of > 0);
    assert.equal(report.merchants, report.of);
    assert.equal(report.browses, (await reference(database)).municipalities.length);
    const ref = await reference(database);
    const single = ref.locationsByMerchant.filter((l) => l?.length === 1).length;
    const several = ref.locationsByMerchant.filter((l) => (l?.length ?? 0) > 1).length;
    assert.deepEqual(await built(), { slots: single, merchants: several });
    assert.ok(summaryBytes(browseIndex(await catalogMemory(database))) > 0);

    assert.deepEqual(await answers(qs), lazy);
    assert.deepEqual(await built(), { slots: single, merchants: several }, 'no summary built by a browse');
  });

  test('rebuilds the summaries products’ changes dropped', async () => {
    await freshIndex();
    await warmBrowseSummaries(database, { cpuMs: 60_000, maxGapMs: 10_000 });
    const all = await built();
    const ids = (await database.db.selectFrom('products').select('id').orderBy('id').execute()).map((r) =>
      Number(r.id),
    );
    const changed = ids.filter((_, i) => i % 50 === 0);
    await database.db.updateTable('products').set({ price_cents: 1234 }).where('id', 'in', changed).execute();
    await indexProducts(database, changed);
    const after = await built();
    assert.ok(after.slots + after.merchants < all.slots + all.merchants, 'changes dropped summaries');
    const report = await warmBrowseSummaries(database, { cpuMs: 60_000, maxGapMs: 10_000 });
    assert.equal(report.stopped, 'done');
    assert.deepEqual(await built(), all);
  });

  test('stops at its CPU budget', async () => {
    await freshIndex();
    const report = await warmBrowseSummaries(database, { cpuMs: 0 });
    assert.equal(report.stopped, 'cpu');
    assert.equal(report.merchants, 0);
    assert.deepEqual(await built(), { slots: 0, merchants: 0 });
  });

  test('the server’s warm-up runs it before the text-hit warm-up, in one log line', async () => {
    await freshIndex();
    const logged: { o: object; m: string }[] = [];
    const log = {
      info: (o: object, m: string) => logged.push({ o, m }),
      warn: (o: object, m: string) => logged.push({ o, m }),
    };
    await warmTextHitsInBackground(database, 60, log);
    assert.deepEqual(
      logged.map((l) => l.m),
      ['search text-hit cache warmed'],
    );
    const { browseWarmUp } = logged[0]!.o as { browseWarmUp?: { stopped: string } };
    assert.equal(browseWarmUp?.stopped, 'done');
    assert.ok((await built()).slots > 0);
  });
});
