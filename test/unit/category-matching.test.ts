import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  buildCategoryIndex,
  type CategoryName,
  matchCategory,
  matchCategoryDetailed,
  matchShopifyCategory,
  matchTaxonomyPath,
} from '../../src/modules/imports/category-match.ts';

// The region's default taxonomy (migration 005) in part, plus a few local categories.
const CATEGORIES: CategoryName[] = [
  { id: 1, slug: 'epicerie', name_fr: 'Épicerie', name_en: 'Grocery' },
  { id: 2, slug: 'maison-deco', name_fr: 'Maison et décoration', name_en: 'Home and decor' },
  { id: 3, slug: 'vetements-mode', name_fr: 'Vêtements et mode', name_en: 'Clothing and fashion' },
  { id: 4, slug: 'sports-plein-air', name_fr: 'Sports et plein air', name_en: 'Sports and outdoors' },
  { id: 5, slug: 'epices', name_fr: 'Épices', name_en: 'Spices' },
  { id: 6, slug: 'the-tisanes', name_fr: 'Thés et tisanes', name_en: 'Teas and herbal teas' },
  {
    id: 7,
    slug: 'boulangerie-patisserie',
    name_fr: 'Boulangerie et pâtisserie',
    name_en: 'Bakery and pastry',
  },
  { id: 8, slug: 'jouets-jeux', name_fr: 'Jouets et jeux', name_en: 'Toys and games' },
  { id: 9, slug: 'animaux', name_fr: 'Animaux', name_en: 'Pets' },
  {
    id: 10,
    slug: 'bijoux-accessoires',
    name_fr: 'Bijoux et accessoires',
    name_en: 'Jewellery and accessories',
  },
];
const SYNONYMS = [
  { slug: 'syn-1', category_id: 1, folded: 'depanneur' },
  { slug: 'syn-2', category_id: 2, folded: 'articles de la maison' },
];
const index = () => buildCategoryIndex(CATEGORIES, SYNONYMS);

test('word order, separators and small words do not matter', () => {
  const ix = index();
  for (const cell of [
    'Maison et décoration',
    'Décoration maison',
    'Décoration - Maison',
    'decoration/maison',
    'DÉCORATION DE LA MAISON',
    'Maison & Décoration',
    'la maison, la décoration',
    'Home & Decor',
    'decor of the home',
    'Maison & Déco',
    'Déco maison',
    'maison-deco',
  ])
    assert.equal(matchCategory(ix, cell), 2, cell);
  for (const cell of ['Épices', 'épice', 'EPICES', 'spice', 'Spices'])
    assert.equal(matchCategory(ix, cell), 5, cell);
  for (const cell of ['Plein air', 'plein-air', 'Outdoors', 'air plein'])
    assert.equal(matchCategory(ix, cell), 4, cell);
  for (const cell of ['Jeux et jouets', 'jeu, jouet', 'Games & Toys'])
    assert.equal(matchCategory(ix, cell), 8, cell);
  assert.equal(matchCategory(ix, 'animal'), 9, 'animaux / animal');
  assert.equal(matchCategory(ix, 'Accessoires & bijoux'), 10);
  assert.equal(matchCategory(ix, 'Accessories'), 10, 'the English part of a compound name');
  // "Thé" (tea) is a word, not the English article.
  assert.equal(matchCategory(ix, 'Tisanes et thés'), 6);
  assert.equal(matchCategory(ix, 'Thé, tisane'), 6);
  // Without the slug's help: the word alone, and beside another word, still finds the teas.
  assert.equal(matchCategory(ix, 'thé'), 6);
  assert.equal(matchCategory(ix, 'Tisane thé'), 6);
  // Unknown stays unknown; small words alone are not a category.
  for (const cell of ['Quincaillerie', 'de la', 'the', '', '   ', 'Maison et jardin et garage'])
    assert.equal(matchCategory(ix, cell), undefined, cell);
});

test('tiers are deterministic: exact name > synonym > same words > abbreviated > part', () => {
  const ix = buildCategoryIndex(
    [
      { id: 1, slug: 'decoration-maison', name_fr: 'Décoration maison', name_en: 'Home decor' },
      { id: 2, slug: 'maison-deco', name_fr: 'Maison et décoration', name_en: 'House and decoration' },
      { id: 3, slug: 'cadeaux', name_fr: 'Cadeaux', name_en: 'Gifts' },
    ],
    [{ slug: 's', category_id: 3, folded: 'home decor' }],
  );
  assert.deepEqual(matchCategoryDetailed(ix, 'Décoration maison'), { id: 1, tier: 'exact' });
  assert.deepEqual(matchCategoryDetailed(ix, 'Maison et décoration'), { id: 2, tier: 'exact' });
  // The English name "Home decor" of 1 is exact and beats the synonym of 3.
  assert.deepEqual(matchCategoryDetailed(ix, 'home decor'), { id: 1, tier: 'exact' });
  // Same words as both 1 and 2: the first in display order (1) wins, every time.
  assert.deepEqual(matchCategoryDetailed(ix, 'maison - décoration'), { id: 1, tier: 'words' });
  assert.deepEqual(matchCategoryDetailed(ix, 'Gift'), { id: 3, tier: 'words' });
  assert.deepEqual(matchCategoryDetailed(ix, 'Cadeau'), { id: 3, tier: 'words' });
  const again = buildCategoryIndex(
    [
      { id: 1, slug: 'decoration-maison', name_fr: 'Décoration maison', name_en: 'Home decor' },
      { id: 2, slug: 'maison-deco', name_fr: 'Maison et décoration', name_en: 'House and decoration' },
    ],
    [],
  );
  // The slug `maison-deco` of 2 has exactly these words: same words beats abbreviated.
  assert.deepEqual(matchCategoryDetailed(again, 'Déco & Maison'), { id: 2, tier: 'words' });
  assert.deepEqual(matchCategoryDetailed(again, 'Décor & Maison'), { id: 1, tier: 'abbreviated' });
  // Synonym beats same words of another category's name.
  const syn = buildCategoryIndex(
    [
      { id: 1, slug: 'epicerie', name_fr: 'Épicerie', name_en: 'Grocery' },
      { id: 2, slug: 'fins', name_fr: 'Fins produits', name_en: 'Fine foods' },
    ],
    [{ slug: 's', category_id: 1, folded: 'produits fins' }],
  );
  assert.deepEqual(matchCategoryDetailed(syn, 'Produits fins'), { id: 1, tier: 'synonym' });
  assert.deepEqual(matchCategoryDetailed(syn, 'fin produit'), { id: 2, tier: 'words' });
  assert.deepEqual(matchCategoryDetailed(index(), 'Dépanneur'), { id: 1, tier: 'synonym' });
  assert.deepEqual(matchCategoryDetailed(index(), 'Maison (articles)'), { id: 2, tier: 'words' });
});

test('taxonomy paths and ids: the most specific matching segment, else an earlier one', () => {
  const ix = index();
  assert.equal(matchTaxonomyPath(ix, 'Home & Garden > Decor > Candles'), 2);
  assert.equal(matchCategory(ix, 'Home & Garden > Decor > Candles'), 2, 'a path in a plain category cell');
  assert.equal(
    matchTaxonomyPath(ix, 'Food, Beverages & Tobacco > Food Items > Seasonings & Spices > Spices'),
    5,
  );
  assert.equal(matchTaxonomyPath(ix, 'Food, Beverages & Tobacco > Food Items > Bakery'), 7);
  assert.equal(matchTaxonomyPath(ix, 'Food, Beverages & Tobacco > Beverages > Tea & Infusions'), 1);
  assert.equal(
    matchTaxonomyPath(ix, 'Alimentation, boissons et tabac > Aliments > Assaisonnements et épices'),
    5,
  );
  assert.equal(matchTaxonomyPath(ix, 'Alimentation, boissons et tabac > Aliments > Confiseries'), 1);
  assert.equal(matchTaxonomyPath(ix, 'Maison et jardin > Décoration > Bougies'), 2);
  assert.equal(matchTaxonomyPath(ix, 'gid://shopify/TaxonomyCategory/hg-3'), 2);
  assert.equal(matchTaxonomyPath(ix, 'gid://shopify/TaxonomyCategory/hg-3-58-7'), 2);
  assert.equal(matchTaxonomyPath(ix, 'gid://shopify/TaxonomyCategory/aa-1-13'), 3);
  assert.equal(matchTaxonomyPath(ix, '536'), 2, 'Google id of Home & Garden');
  assert.equal(matchTaxonomyPath(ix, 'Apparel & Accessories > Clothing Accessories > Hats'), 3);
  assert.equal(matchTaxonomyPath(ix, 'Hardware > Tools'), undefined);
  assert.equal(matchTaxonomyPath(ix, 'gid://shopify/TaxonomyCategory/zz-1'), undefined);
  assert.deepEqual(
    matchShopifyCategory(ix, {
      productCategory: 'Hardware > Tools',
      type: 'Bougies',
      tags: 'déco maison, cadeau',
    }),
    {
      id: 2,
      tried: [],
    },
  );
  assert.deepEqual(
    matchShopifyCategory(ix, { productCategory: 'Hardware', type: 'Outils', tags: 'fer, bois' }),
    {
      id: undefined,
      tried: ['Hardware', 'Outils', 'fer', 'bois'],
    },
  );
});

const word = fc.stringMatching(/^[a-zéèàçô]{4,10}$/).filter((w) => !/[sx]$/.test(w));
const SEPARATORS = [' ', ' - ', '/', ', ', ' & ', ' et ', ' and ', ' de la ', ' du ', ' des '];

test('property: any permutation of a name, with any separators, case and plural, finds it', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(word, {
        minLength: 1,
        maxLength: 4,
        selector: (w) => w.normalize('NFD').replace(/\p{M}/gu, ''),
      }),
      fc.func(fc.constantFrom(...SEPARATORS)),
      fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      fc.boolean(),
      (words, sep, shuffle, plural) => {
        const name = words.join(' ');
        const ix = buildCategoryIndex(
          [
            { id: 1, slug: 'autre', name_fr: 'Quincaillerie', name_en: 'Hardware' },
            { id: 7, slug: 'c', name_fr: name[0].toUpperCase() + name.slice(1), name_en: 'zzzz' },
          ],
          [],
        );
        const order = words
          .map((w, i) => ({ w, k: shuffle[i] }))
          .sort((a, b) => a.k - b.k)
          .map((x) => (plural ? `${x.w}s` : x.w).toUpperCase());
        const cell = order.reduce((acc, w, i) => (i ? `${acc}${sep(i)}${w}` : w), '');
        assert.equal(matchCategory(ix, cell), 7, cell);
      },
    ),
  );
});

test('property: matching never throws and only returns ids of the index', () => {
  const ix = index();
  const ids = new Set(CATEGORIES.map((c) => c.id));
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (cell) => {
      const id = matchCategory(ix, cell);
      assert.ok(id === undefined || ids.has(id));
      assert.equal(matchCategory(ix, cell), id, 'the same answer twice (memoised)');
      assert.equal(matchCategory(buildCategoryIndex(CATEGORIES, SYNONYMS), cell), id, 'deterministic');
    }),
  );
});
