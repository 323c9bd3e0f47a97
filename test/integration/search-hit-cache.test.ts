/**
 * The text-hit cache under product writes (src/modules/search/hit-cache.ts): on SQLite a write
 * drops only the entries it can change (a tiered list a written product was or is in, every short
 * BM25 list, prepared words a new term can change), on PostgreSQL everything; either way a cached
 * answer after any sequence of writes equals the answer computed afresh.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { InProcessEventBus } from '../../src/modules/events/index.ts';
import { documentMatches, lastCacheChange, mayBeOneEditApart } from '../../src/modules/search/hit-cache.ts';
import {
  attachSearchEvents,
  catalogMemory,
  indexProducts,
  parseQuery,
  rebuildSearchIndex,
} from '../../src/modules/search/index.ts';
import { editsOne } from '../../src/modules/search/normalize.ts';
import { ftsMatchIds } from '../../src/modules/search/search.repository.ts';
import { search } from '../../src/modules/search/search.service.ts';
import { type Hits, MAX_BM25_HITS, MAX_TEXT_HITS } from '../../src/modules/search/search.types.ts';
import { parseMatchExpr, tokensOf } from '../../src/modules/search/text-index.ts';
import { textIndexBuilt } from '../../src/modules/search/text-index-state.ts';
import { matchExpr, prepareWords, textHits, textHitsCached } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';

const WORDS = ['fromage', 'cidre', 'bière', 'miel', 'érable', 'vélo', 'bottes', 'café', 'pomme', 'savon'];
/** The texts compared after each write: words, pairs, prefixes, a typo, a word of no product yet. */
const TEXTS = [
  'sirop',
  'fromage',
  'cidre',
  'biere',
  'sirop erable',
  'fro',
  'sir',
  'ci',
  'miel cafe',
  'fromgae',
  'pommes',
  'kombucha',
  'kombuchq',
];

describe('text-hit cache under product writes', () => {
  let t: TestDatabase;
  let other: Database;
  let merchantId = 0;
  let seed = 11;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = () => WORDS[Math.floor(random() * WORDS.length)]!;
  const database = () => t.database;
  const sqlite = () => t.database.kind === 'sqlite';

  /** The expression a search for `q` builds (search.service.ts), and its hits, through the cache. */
  const hitsOf = async (q: string) => {
    const words = await prepareWords(database(), parseQuery(q, { prefixLast: true }));
    const expr = matchExpr(database(), words, 'all');
    return { expr, hits: await textHits(database(), expr) };
  };
  /** The same, computed afresh (the cache off). */
  const freshHitsOf = async (q: string) => {
    process.env.COMPTOIR_SEARCH_CACHE = '0';
    try {
      return await hitsOf(q);
    } finally {
      delete process.env.COMPTOIR_SEARCH_CACHE;
    }
  };
  /** Whether a search for `q` would answer from the cache (its words prepared, its list not read). */
  const pairsOf = (h: Hits) => Array.from(h.ids, (id, i) => [id, h.bm[i]!]).sort((a, b) => a[0]! - b[0]!);
  const cachedFor = async (q: string) => {
    const words = await prepareWords(database(), parseQuery(q, { prefixLast: true }));
    return textHitsCached(database(), matchExpr(database(), words, 'all'));
  };
  const idsOf = async (q: string) => new Set((await hitsOf(q)).hits.ids);

  const insert = async (titles: string[]) => {
    const out: number[] = [];
    for (let i = 0; i < titles.length; i += 500) {
      const rows = await database()
        .db.insertInto('products')
        .values(
          titles.slice(i, i + 500).map((title, k) => ({
            merchant_id: merchantId,
            sku: `HC-${seed}-${i + k}-${out.length}`,
            title_fr: title,
            title_en: '',
            description_fr: `${pick()} ${pick()}`,
            description_en: '',
            price_cents: 1000,
            tax_class: 'standard' as const,
          })),
        )
        .returning('id')
        .execute();
      out.push(...rows.map((r) => Number(r.id)));
    }
    return out;
  };
  const retitle = (id: number, title: string) =>
    database().db.updateTable('products').set({ title_fr: title }).where('id', '=', id).execute();
  /** Waits for the text index to read the written documents (SQLite), so that it answers again. */
  const settle = async () => {
    if (sqlite()) await textIndexBuilt(database());
  };

  let sirops: number[] = [];
  let others: number[] = [];
  let fromage = 0;
  let cidre = 0;

  before(async () => {
    t = await createTestDatabase();
    other = t.reopen();
    const region = await seedMiniRegion(database().db);
    merchantId = region.merchants.erabliere.merchant_id;
    // More "sirop" matches than MAX_BM25_HITS: a tiered list, which a write elsewhere keeps.
    sirops = await insert(Array.from({ length: MAX_BM25_HITS + 100 }, () => `Sirop ${pick()}`));
    [fromage, cidre] = await insert(['Fromage de chèvre', 'Cidre de glace']);
    others = await insert(Array.from({ length: 200 }, () => `${pick()} ${pick()}`));
    await rebuildSearchIndex(database());
    await catalogMemory(database());
    await settle();
  });
  after(async () => {
    await other.close().catch(() => {});
    await t.cleanup();
  });

  test('an edit of a "fromage" product keeps the "sirop" list (SQLite) and shows in "fromage"', async () => {
    const sirop = await hitsOf('sirop');
    assert.equal(sirop.hits.tiered, true);
    assert.ok((await idsOf('fromage')).has(fromage));
    assert.equal(await cachedFor('sirop'), true);
    await retitle(fromage, 'Fromage affiné aux pommes');
    await indexProducts(database(), [fromage]);
    assert.equal(await cachedFor('sirop'), sqlite(), 'kept on SQLite, dropped with the rest on PostgreSQL');
    assert.equal(lastCacheChange()?.whole, !sqlite());
    assert.equal(await cachedFor('fromage'), false);
    assert.ok((await idsOf('fromage')).has(fromage));
    assert.ok((await idsOf('pommes')).has(fromage), 'the edit shows');
    // A kept list is the very object, and what a fresh read gives.
    if (sqlite()) assert.equal((await hitsOf('sirop')).hits, sirop.hits);
    assert.deepEqual([...(await hitsOf('sirop')).hits.ids], [...(await freshHitsOf('sirop')).hits.ids]);
  });

  test('a product renamed from "cidre" to "bière" leaves one list and enters the other', async () => {
    await settle();
    assert.ok((await idsOf('cidre')).has(cidre));
    assert.ok(!(await idsOf('biere')).has(cidre));
    await hitsOf('sirop');
    await retitle(cidre, 'Bière de glace');
    await indexProducts(database(), [cidre]);
    assert.ok(!(await idsOf('cidre')).has(cidre));
    assert.ok((await idsOf('biere')).has(cidre));
    assert.equal(await cachedFor('sirop'), sqlite());
  });

  test('a product in a tiered list changed, archived or restored drops that list', async () => {
    await settle();
    const id = sirops[3]!;
    await hitsOf('sirop');
    await retitle(id, 'Sirop de bouleau');
    await indexProducts(database(), [id]);
    assert.equal(await cachedFor('sirop'), false, 'a written product in the list: its cells may be stale');
    assert.ok((await idsOf('sirop')).has(id));
    await database().db.updateTable('products').set({ status: 'archived' }).where('id', '=', id).execute();
    await indexProducts(database(), [id]);
    assert.ok(!(await idsOf('sirop')).has(id), 'archived: out');
    await database().db.updateTable('products').set({ status: 'active' }).where('id', '=', id).execute();
    await indexProducts(database(), [id]);
    assert.ok((await idsOf('sirop')).has(id), 'restored: back');
  });

  test("another instance's catalog event drops what its write changed", async () => {
    await settle();
    const bus = new InProcessEventBus();
    const detach = attachSearchEvents(database(), bus);
    const detachOther = attachSearchEvents(other, bus);
    try {
      await hitsOf('sirop');
      assert.ok(!(await idsOf('kombucha')).has(fromage));
      await retitle(fromage, 'Kombucha au fromage');
      // The other instance writes the documents; this one learns of it by the event only.
      await indexProducts(other, [fromage]);
      await bus.settled();
      assert.ok((await idsOf('kombucha')).has(fromage));
      assert.equal(await cachedFor('sirop'), sqlite());
      // An event with no products (a full rebuild elsewhere) drops everything.
      await bus.publish('catalog', { origin: 'elsewhere', product_ids: [] });
      await bus.settled();
      assert.equal(await textHitsCached(database(), (await freshHitsOf('sirop')).expr), false);
    } finally {
      detach();
      detachOther();
    }
  });

  test('property: after random writes, every cached answer equals a fresh one', async () => {
    await catalogMemory(database());
    await settle();
    const pool = [...sirops.slice(0, 5), ...others.slice(0, 40), fromage, cidre];
    let kept = 0;
    const now = new Date();
    for (let round = 0; round < 12; round++) {
      for (const q of TEXTS) await hitsOf(q);
      const before = new Map<string, boolean>();
      // 1-3 writes: a new title, an archive, a restore, a new product.
      const written: number[] = [];
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
        const id = pool[Math.floor(random() * pool.length)]!;
        const r = random();
        if (r < 0.6) await retitle(id, `${random() < 0.2 ? 'Sirop' : pick()} ${pick()}`);
        else
          await database()
            .db.updateTable('products')
            .set({ status: r < 0.8 ? 'archived' : 'active' })
            .where('id', '=', id)
            .execute();
        written.push(id);
      }
      if (random() < 0.3) {
        const [id] = await insert([`${pick()} ${pick()} kombucha`]);
        pool.push(id!);
        written.push(id!);
      }
      await indexProducts(database(), written);
      if (round % 2 === 0) await settle();
      for (const q of TEXTS) before.set(q, await cachedFor(q));
      for (const q of TEXTS) {
        const cached = await hitsOf(q);
        const fresh = await freshHitsOf(q);
        assert.equal(cached.expr, fresh.expr, `${q}, round ${round}`);
        // As sets of (id, relevance): a kept list is regrouped by merchant in place (candidates.ts).
        assert.deepEqual(pairsOf(cached.hits), pairsOf(fresh.hits), `${q}, round ${round}`);
        if (before.get(q)) kept++;
      }
      // Whole searches too: a kept list's regrouping by merchant (built on its second use) is reused.
      for (const q of ['sirop', 'sir', 'fromage pommes']) {
        const params = { q, lat: 45.4765, lng: -75.7013, radius_km: 50, per_page: 50, now };
        const cachedAnswer = await search(database(), params);
        process.env.COMPTOIR_SEARCH_CACHE = '0';
        try {
          assert.deepEqual(cachedAnswer, await search(database(), params), `search ${q}, round ${round}`);
        } finally {
          delete process.env.COMPTOIR_SEARCH_CACHE;
        }
      }
    }
    if (sqlite()) assert.ok(kept > 12, `${kept} answers kept through writes`);
  });
});

describe('the cache matches a written document as FTS5 does', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await seedMiniRegion(t.database.db);
  });
  after(() => t.cleanup());

  test('documentMatches agrees with FTS5 on each document, for the search expressions', async (c) => {
    if (t.database.kind !== 'sqlite') {
      c.skip('SQLite only (PostgreSQL drops the whole cache)');
      return;
    }
    const words = [
      'fromage',
      'fromagerie',
      'cidre',
      'biere',
      'sirop',
      'erable',
      'velo',
      'velos',
      'a',
      'ab',
      'abc',
      'miel',
    ];
    let seed = 5;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = () => words[Math.floor(random() * words.length)]!;
    const sqlite = t.database.sqlite!;
    const docs: { id: number; title: string; body: string }[] = [];
    for (let id = 1; id <= 300; id++) {
      const title = [...new Set([pick(), pick()])].join(' ');
      const body = [...new Set([pick(), pick(), pick()])].join(' ');
      docs.push({ id, title, body });
    }
    sqlite.exec('delete from search_fts; delete from search_documents');
    const ins = sqlite.prepare('insert into search_fts (rowid, title_terms, body_terms) values (?, ?, ?)');
    for (const d of docs) ins.run(d.id, d.title, d.body);
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      const groups = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const alts = [...new Set([pick(), ...(random() < 0.5 ? [pick()] : [])])].map((w) => `"${w}"`);
        if (random() < 0.4) alts.push(`"${pick().slice(0, 1 + Math.floor(random() * 4))}"*`);
        return `(${alts.join(' OR ')})`;
      });
      const expr = groups.join(random() < 0.7 ? ' AND ' : ' OR ');
      const parsed = parseMatchExpr(expr);
      if (!parsed) continue;
      const fts = new Set(await ftsMatchIds(t.database.db, expr, MAX_TEXT_HITS));
      for (const d of docs) {
        const tokens = [...tokensOf(d.title)!, ...tokensOf(d.body)!];
        assert.equal(
          documentMatches(tokens, parsed),
          fts.has(d.id),
          `${expr} on ${d.id}: ${d.title} / ${d.body}`,
        );
      }
      compared++;
    }
    assert.ok(compared > 100);
  });

  test('mayBeOneEditApart covers editsOne (typo expansions a new term can change)', () => {
    for (const word of ['fromage', 'cidre', 'sirop']) {
      for (const e of editsOne(word)) assert.ok(mayBeOneEditApart(word, e), `${word} → ${e}`);
      assert.ok(!mayBeOneEditApart(word, `${word}xy`));
      assert.ok(!mayBeOneEditApart(word, 'zzzzzz'));
    }
  });
});
