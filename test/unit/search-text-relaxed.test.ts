/**
 * Searches of several words that are relaxed (search.service.ts, `relaxed`): a word no product
 * holds is left out (text-match.ts wordsThatMayMatch), the others tried together, then any of
 * them, and every answer is the one the database gives deciding each word itself (the text index
 * and the text-hit cache off: FTS5, or PostgreSQL's tsvector, answering each attempt). Page,
 * totals, facets, `relaxed` and `approximate`, on both databases.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseQuery } from '../../src/modules/search/index.ts';
import { search } from '../../src/modules/search/search.service.ts';
import { textIndexBuilt } from '../../src/modules/search/text-index-state.ts';
import { prepareWords, wordsThatMayMatch } from '../../src/modules/search/text-match.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { randomCatalogue } from '../helpers/random-catalogue.ts';
import { withoutTextIndex } from '../helpers/text-index-checks.ts';

const WORDS = ['Bottes', 'miel', 'Érable', 'sirop', 'Fromage', 'café', 'vélo', 'Œufs', 'Québec', 'pain'];
const TEXTS = [
  'bottes zorglub',
  'zorglub miel',
  'miel érable zorglub',
  'pain au levain',
  'pain levai',
  'zorglub quokka',
  'zorglub quok',
  'bottes miel',
  'sirop tire',
  'fromage pain quokka',
  'vélo bottes café zorglub quokka',
  'bottse zorglub',
];
// The maple grove of the mini region (the catalogue's merchant), the sports shop, and far away.
const POINTS = [
  { lat: 45.3956, lng: -75.8436 },
  { lat: 45.4936, lng: -75.7884 },
  { lat: 46.5, lng: -77.5 },
];

let t: TestDatabase;
const catalogue = randomCatalogue({ seed: 19, words: WORDS, sku: 'RX' });
before(async () => {
  t = await createTestDatabase();
  await catalogue.seed(t.database, 300);
});
after(() => t.cleanup());

test('a word no product holds is left out, and the answers are those of every word', async () => {
  const sqlite = t.database.kind === 'sqlite';
  if (sqlite) assert.ok(await textIndexBuilt(t.database), 'the text index answers');
  const words = await prepareWords(t.database, parseQuery('miel érable zorglub', { prefixLast: true }));
  assert.deepEqual(
    (await wordsThatMayMatch(t.database, words)).map((w) => w.word),
    ['miel', 'erable'],
    'both databases leave the unknown word out',
  );
  let relaxedWithResults = 0;
  let nothing = 0;
  for (const q of TEXTS)
    for (const point of POINTS)
      for (const sort of ['relevance', 'distance', 'price_asc'] as const) {
        const params = { q, ...point, radius_km: 25, sort, per_page: 5 };
        // Twice with the index: its first answer, then the cached lists.
        const first = await search(t.database, params);
        const again = await search(t.database, params);
        const want = await withoutTextIndex(() => search(t.database, params));
        assert.deepStrictEqual(first, want, `${q} ${JSON.stringify(point)} ${sort}`);
        assert.deepStrictEqual(again, want, `${q} ${JSON.stringify(point)} ${sort} (cached)`);
        if (want.relaxed && want.total > 0) relaxedWithResults++;
        if (want.total === 0) nothing++;
      }
  // Both kinds came up: relaxed searches with products, and searches finding nothing.
  assert.ok(relaxedWithResults >= 20, `${relaxedWithResults} relaxed searches with products`);
  assert.ok(nothing >= 10, `${nothing} searches without products`);
});
