import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundingBox } from '../../src/modules/common/geo.ts';
import { searchArea } from '../../src/modules/search/area.ts';
import { candidateRank, nearCandidateHits, nearProducts } from '../../src/modules/search/candidates.ts';
import { computeFacets, countFacets } from '../../src/modules/search/facets.ts';
import { emptyCatalogMemory, setAvailable, setProduct } from '../../src/modules/search/memory.ts';
import type { LocationRef, Reference } from '../../src/modules/search/reference.ts';
import { rankAndGroup, rankedPage, rankHits, scoreCandidates } from '../../src/modules/search/scoring.ts';
import type { Hits, SortKey } from '../../src/modules/search/search.types.ts';
import { type StoreSpot, storesRegion } from '../helpers/spot-region.ts';

let seed = 11;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;

/**
 * 200 merchants with one to three stores each (one in five without pickup), in a few grid cells;
 * two associations. Store ids from 1000, apart from their indexes.
 */
function region() {
  const stores: StoreSpot[] = [];
  const merchantById = new Map<number, { id: number; slug: string; name: string }>();
  const memberships = new Map<number, number[]>();
  for (let mid = 1; mid <= 200; mid++) {
    for (let k = 0, count = 1 + Math.floor(random() * 3); k < count; k++)
      stores.push({
        merchantId: mid,
        lat: 45.4 + random() * 0.2,
        lng: -75.9 + random() * 0.3,
        pickup: random() < 0.8 ? 1 : 0,
      });
    merchantById.set(mid, { id: mid, slug: `m-${mid}`, name: `Merchant ${mid}` });
    const member = [...(mid % 3 === 0 ? [1] : []), ...(mid % 5 === 0 ? [2] : [])];
    if (member.length) memberships.set(mid, member);
  }
  const categories = Array.from({ length: 6 }, (_, i) => ({
    id: i + 1,
    slug: `c-${i + 1}`,
    name_fr: `Catégorie ${i + 1}`,
    name_en: `Category ${i + 1}`,
  }));
  return {
    ...storesRegion(stores, 1000),
    merchantById,
    memberships,
    categoryById: new Map(categories.map((c) => [c.id, c])),
    associations: [
      { id: 1, slug: 'a-1', name: 'Association 1', members: new Set<number>() },
      { id: 2, slug: 'a-2', name: 'Association 2', members: new Set<number>() },
    ],
  } as unknown as Reference;
}

test('ranking with words in one typed pass gives exactly the step-by-step answer (totals, facets, page)', async () => {
  const ref = region();
  const N = 9000;
  const m = emptyCatalogMemory(N + 1);
  for (let pid = 1; pid <= N; pid++) {
    const mid = 1 + Math.floor((pid - 1) / 45);
    setProduct(m, {
      id: pid,
      merchant_id: mid,
      category_id: random() < 0.1 ? null : 1 + Math.floor(random() * 6),
      quebec_label:
        random() < 0.3 ? pick(['Aliments du Québec', 'Produit du Québec', 'Fait au Québec']) : null,
      // Few prices and shared GTINs: ties in every order, groups of several offers.
      price_cents: 100 * (1 + Math.floor(random() * 20)),
      gtin: random() < 0.4 ? String(100000 + Math.floor(random() * 400)) : null,
      status: random() < 0.03 ? 'archived' : 'active',
      parent_id: null,
    });
    for (const l of ref.locationsByMerchant[mid] ?? [])
      if (random() < 0.9) setAvailable(m, pid, l.id, random() < 0.3 ? 0 : Math.floor(random() * 9));
  }
  // A common word (capped to the best 2,000) and a rarer one; relevance in tiers and in BM25 values.
  const hitList = (n: number, tiers: boolean): Hits => {
    const ids = Array.from({ length: N }, (_, i) => i + 1)
      .sort(() => random() - 0.5)
      .slice(0, n);
    const bm = ids.map((id) => (tiers ? (id % 3 === 0 ? 2 : 1) : Math.round(random() * 1000) / 100));
    const order = ids.map((_, i) => i).sort((a, b) => bm[b]! - bm[a]! || ids[a]! - ids[b]!);
    return { ids: Int32Array.from(order, (i) => ids[i]!), bm: Float32Array.from(order, (i) => bm[i]!) };
  };
  const lists = [hitList(8000, true), hitList(1200, false), hitList(40, false)];
  const sorts: SortKey[] = ['relevance', 'distance', 'price_asc', 'price_desc'];
  let capped = 0;
  let compared = 0;
  for (let q = 0; q < 240; q++) {
    const hits = lists[q % 3]!;
    const point = { lat: 45.4 + random() * 0.2, lng: -75.9 + random() * 0.3 };
    const radius = pick([3, 10, 25]);
    const box = boundingBox(point.lat, point.lng, radius);
    const sort = sorts[q % 4]!;
    const filters = {
      categoryId: random() < 0.2 ? 1 + Math.floor(random() * 6) : 0,
      quebec: random() < 0.15,
      inStock: random() < 0.2,
    };
    const openMask = Uint8Array.from(ref.locations, () => (random() < 0.5 ? 1 : 0));
    const deliversAt = Uint8Array.from(ref.locations, () => (random() < 0.4 ? 1 : 0));
    const o = {
      point,
      box,
      radius,
      openMask,
      delivers: (l: LocationRef) => deliversAt[l.index] === 1,
      merchantId: random() < 0.1 ? 1 + Math.floor(random() * 200) : undefined,
      associationMembers: random() < 0.1 ? new Set([3, 6, 9, 30, 60, 90, 120]) : undefined,
      fulfilment: pick([undefined, undefined, 'pickup', 'delivery'] as const),
      openNow: random() < 0.15,
    };
    const page = 1 + (q % 3 === 0 ? Math.floor(random() * 3) : 0);
    // The steps one by one (the path kept for searches without words).
    const a = searchArea(ref, o);
    const stats = { capped: false };
    const near = await nearProducts(
      {} as never,
      m,
      a.area,
      hits,
      stats,
      candidateRank(sort, m, a.area, radius),
      ref,
    );
    const results = rankAndGroup(scoreCandidates(ref, m, near, a.locationFacts, filters), sort);
    const before = {
      total: results.length,
      capped: stats.capped,
      facets: computeFacets(ref, results, 'fr'),
      page: results.slice((page - 1) * 20, page * 20),
    };
    // The typed pass, on a fresh area (as each search has its own).
    const b = searchArea(ref, o);
    const c = nearCandidateHits(ref, m, hits, b.area, sort, radius, !o.merchantId && !o.associationMembers);
    const groups = rankHits(ref, m, hits, c.idx, c.n, b.facts, filters, sort);
    const after = {
      total: groups.groups,
      capped: c.capped,
      facets: countFacets(ref, m, groups, b.facts, 'fr'),
      page: rankedPage(ref, m, groups, b.facts, (page - 1) * 20, 20),
    };
    assert.deepStrictEqual(after, before, `query ${q}`);
    if (before.capped) capped++;
    if (before.total > 20) compared++;
  }
  assert.ok(capped > 20, `only ${capped} queries had more candidates than are scored`);
  assert.ok(compared > 60, `only ${compared} queries had more than a page of results`);
});
