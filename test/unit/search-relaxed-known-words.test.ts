/**
 * A phrase no product holds with every word (search.service.ts, `relaxed`): the words no document
 * holds are left out on both databases (text-match.ts wordsThatMayMatch: the text index once
 * loaded, else the database), all the other words are tried together, then any of them. Each
 * answer is the same with the text index and without it (the database deciding), on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { indexProducts, parseQuery, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import { search } from '../../src/modules/search/search.service.ts';
import { textIndexBuilt } from '../../src/modules/search/text-index-state.ts';
import { prepareWords, wordsThatMayMatch } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { withoutTextIndex } from '../helpers/text-index-checks.ts';

// The maple grove of the mini region, and far away (no store within 25 km).
const AYLMER = { lat: 45.3956, lng: -75.8436 };
const FAR = { lat: 46.5, lng: -77.5 };

/** Products besides the mini region's (two amber maple syrups, maple taffy, eggs, shoes, a bike). */
const EXTRA = [
  { sku: 'BOIS-ER', title_fr: 'Planche de bois d’érable', title_en: 'Maple wood board' },
  { sku: 'FROM-CH', title_fr: 'Fromage de chèvre', title_en: 'Goat cheese' },
  { sku: 'SAVON-CH', title_fr: 'Savon au lait de chèvre', title_en: 'Goat milk soap' },
  { sku: 'CHOCO-ER', title_fr: 'Chocolat noir à l’érable', title_en: 'Maple dark chocolate' },
  { sku: 'PAGAIE-ER', title_fr: 'Pagaie en érable', title_en: 'Maple paddle', category: 'sports' },
];

let t: TestDatabase;
let grove: { merchant_id: number; location_id: number };
/** Inserts a product of the grove, in stock; returns its id (indexed by the caller). */
async function insertProduct(p: {
  sku: string;
  title_fr: string;
  title_en: string;
  category?: string;
}): Promise<number> {
  const { category, ...texts } = p;
  const categoryId = category
    ? (
        await t.database.db
          .selectFrom('categories')
          .select('id')
          .where('slug', '=', category)
          .executeTakeFirstOrThrow()
      ).id
    : null;
  const row = await t.database.db
    .insertInto('products')
    .values({
      merchant_id: grove.merchant_id,
      ...texts,
      category_id: categoryId,
      description_fr: `${p.title_fr}, fait ici.`,
      description_en: '',
      price_cents: 1000,
      tax_class: 'standard',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.database.db
    .insertInto('inventory_levels')
    .values({ product_id: row.id, location_id: grove.location_id, on_hand: 5, reserved: 0 })
    .execute();
  return Number(row.id);
}

before(async () => {
  t = await createTestDatabase();
  grove = (await seedMiniRegion(t.database.db)).merchants.erabliere;
  for (const p of EXTRA) await insertProduct(p);
  await rebuildSearchIndex(t.database);
  assert.ok(await textIndexBuilt(t.database), 'the text index answers');
});
after(() => t.cleanup());

/** A search near the grove, the same with the text index (twice: then cached) and without it. */
async function find(q: string, point = AYLMER, category?: string) {
  const params = { q, ...point, radius_km: 25, per_page: 20, category };
  const first = await search(t.database, params);
  assert.deepStrictEqual(await search(t.database, params), first, `${q} (cached)`);
  assert.deepStrictEqual(
    await withoutTextIndex(() => search(t.database, params)),
    first,
    `${q} without the index`,
  );
  return first;
}
const skus = (r: Awaited<ReturnType<typeof search>>) => r.results.map((x) => x.sku).sort();

/** The words of `q` a document holds, as a search prepares them. */
async function matching(q: string): Promise<string[]> {
  const words = await prepareWords(t.database, parseQuery(q, { prefixLast: true }));
  return (await wordsThatMayMatch(t.database, words)).map((w) => w.word);
}

describe('relaxed phrases: the known words together before any word', () => {
  test('the words no document holds are left out, with the index and without it', async () => {
    for (const q of ['Sirop d’ÉRABLE ambré foncé', 'sirop erable ambre fonce']) {
      assert.deepEqual(await matching(q), ['sirop', 'erable', 'ambre'], q);
      assert.deepEqual(
        await withoutTextIndex(() => matching(q)),
        ['sirop', 'erable', 'ambre'],
        `${q} (database)`,
      );
    }
    assert.deepEqual(await matching('zorglub quokka'), []);
    assert.deepEqual(await withoutTextIndex(() => matching('zorglub quokka')), []);
    // A prefix last word, and a typo expanded to a known term, are kept.
    assert.deepEqual(await matching('chèvre zorglub fromag'), ['chevre', 'fromag']);
    assert.deepEqual(await withoutTextIndex(() => matching('chèvre zorglub fromag')), ['chevre', 'fromag']);
    assert.deepEqual(await matching('chocolta zorglub érable'), ['chocolta', 'erable']);
  });

  test('accents, capitals, elision: the syrups, not every product holding one of the words', async () => {
    const exact = await find('sirop érable ambré');
    assert.equal(exact.relaxed, false);
    assert.equal(exact.total, 1, 'one GTIN: the two syrups are one result');
    for (const q of [
      'Sirop d’ÉRABLE ambré foncé',
      "sirop d'erable AMBRE fonce",
      'foncé SIROP l’érable ambré',
    ]) {
      const r = await find(q);
      assert.equal(r.relaxed, true, q);
      assert.deepEqual(skus(r), skus(exact), q);
      assert.equal(r.total, exact.total, q);
      assert.deepStrictEqual(r.facets, exact.facets, q);
    }
  });

  test('a prefix last word and a typo keep working among the words left', async () => {
    const cheese = await find('chèvre zorglub fromag');
    assert.equal(cheese.relaxed, true);
    assert.deepEqual(skus(cheese), ['FROM-CH'], 'not the goat milk soap');
    const chocolate = await find('chocolta zorglub érable');
    assert.equal(chocolate.relaxed, true);
    assert.deepEqual(skus(chocolate), ['CHOCO-ER'], 'not every maple product');
  });

  test('one word left is searched alone; none left finds nothing without an error', async () => {
    const one = await find('zorglub velo');
    assert.equal(one.relaxed, true);
    assert.deepEqual(skus(one), ['VELO-MT']);
    const none = await find('zorglub quokka');
    assert.equal(none.relaxed, true);
    assert.equal(none.total, 0);
    assert.deepEqual(none.results, []);
    assert.ok(none.facets, 'the facets of nothing');
  });

  test('known words no product holds together still fall back to any word', async () => {
    const r = await find('tire bois');
    assert.equal(r.relaxed, true);
    assert.deepEqual(skus(r), ['BOIS-ER', 'TIRE-250']);
    // The known words together are near but filtered out: any of them, within the filter. (Every
    // word together so filtered out shows nothing, as before: it is not relaxed.)
    const paddle = await find('Sirop d’ÉRABLE ambré foncé', AYLMER, 'sports');
    assert.equal(paddle.relaxed, true);
    assert.deepEqual(skus(paddle), ['PAGAIE-ER']);
    const filtered = await find('sirop érable ambré', AYLMER, 'sports');
    assert.equal(filtered.relaxed, false);
    assert.equal(filtered.total, 0);
    // The known words together match nothing near: any of them, here nothing either.
    const far = await find('Sirop d’ÉRABLE ambré foncé', FAR);
    assert.equal(far.relaxed, true);
    assert.equal(far.total, 0);
  });

  test('a phrase every word of which a product holds is answered as before', async () => {
    for (const q of ['sirop érable', 'fromage chèvre', 'chocolat érable']) {
      const r = await find(q);
      assert.equal(r.relaxed, false, q);
      assert.ok(r.total > 0, q);
    }
    assert.deepEqual(skus(await find('fromage chèvre')), ['FROM-CH']);
  });

  test('a word a new product holds is no longer left out (the database deciding, cached)', async () => {
    const q = 'sirop quokka zorglub';
    const saved = process.env.COMPTOIR_TEXT_INDEX;
    // The database decides each word, its answers kept in the text-hit cache until a write.
    process.env.COMPTOIR_TEXT_INDEX = '0';
    try {
      const before = await find(q);
      assert.equal(before.relaxed, true);
      assert.deepEqual(skus(before), ['SIROP-540'], 'quokka left out: the syrup alone');
      const id = await insertProduct({ sku: 'SIROP-QK', title_fr: 'Sirop quokka', title_en: '' });
      await indexProducts(t.database, [id]);
      const now = await find(q);
      assert.equal(now.relaxed, true);
      assert.deepEqual(skus(now), ['SIROP-QK'], 'sirop and quokka together');
    } finally {
      if (saved === undefined) delete process.env.COMPTOIR_TEXT_INDEX;
      else process.env.COMPTOIR_TEXT_INDEX = saved;
    }
    // The text index, with the written document among its changes, says the same.
    assert.ok(await textIndexBuilt(t.database));
    assert.deepEqual(skus(await find(q)), ['SIROP-QK']);
    assert.deepEqual(skus(await find('sirop quokka')), ['SIROP-QK']);
    assert.deepEqual(await matching('quokka zorglub sirop'), ['quokka', 'sirop']);
  });
});
