/** Facet counts of a search's results (category, Québec label, merchant, association, stock, fulfilment, open now). */
import type { LocationFacts } from './area.ts';
import type { CatalogMemory } from './memory.ts';
import type { Reference } from './reference.ts';
import type { RankedGroups } from './scoring.ts';
import type { Lang, Scored } from './search.types.ts';

interface Counted {
  key: number;
  /** The key as text: ties are ordered by it. */
  text: string;
  n: number;
}

/**
 * Most first, ties by the key's text. Ids are digit strings, which `localeCompare` orders as
 * plain code units do: the cheap comparison gives the same order.
 */
const byCount = (a: Counted, b: Counted) => b.n - a.n || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

function ranked(counts: Map<number, number>): Counted[] {
  const out: Counted[] = [];
  for (const [key, n] of counts) out.push({ key, text: String(key), n });
  return out.sort(byCount);
}

const add = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

/** Counts per facet value over every result (not only the page shown), in one pass. */
export function computeFacets(ref: Reference, results: Scored[], lang: Lang) {
  const categories = new Map<number, number>();
  const labels = new Map<string, number>();
  const merchants = new Map<number, number>();
  const associations = new Map<number, number>();
  let inStock = 0;
  let pickup = 0;
  let delivery = 0;
  let openNow = 0;
  for (let i = 0; i < results.length; i++) {
    const s = results[i]!;
    if (s.category_id !== null) add(categories, s.category_id);
    if (s.quebec_label !== null) add(labels, s.quebec_label);
    add(merchants, s.merchant_id);
    const member = ref.memberships.get(s.merchant_id);
    if (member) for (const a of member) add(associations, a);
    if (s.available > 0) inStock++;
    if (Number(s.pickup)) pickup++;
    if (s.delivers) delivery++;
    if (s.open) openNow++;
  }
  return facetLists(ref, lang, {
    categories,
    labels,
    merchants: ranked(merchants).slice(0, 20),
    associations,
    inStock,
    pickup,
    delivery,
    openNow,
  });
}

/** The counts a facet list is made of (`merchants`: the first 20 already, ranked). */
interface FacetCounts {
  categories: Map<number, number>;
  labels: Map<string, number>;
  merchants: Counted[];
  associations: Map<number, number>;
  inStock: number;
  pickup: number;
  delivery: number;
  openNow: number;
}

function facetLists(ref: Reference, lang: Lang, c: FacetCounts) {
  const category = ranked(c.categories).flatMap(({ key, n }) => {
    const cat = ref.categoryById.get(key);
    return cat ? [{ value: cat.slug, count: n, label: lang === 'fr' ? cat.name_fr : cat.name_en }] : [];
  });
  const quebec = [...c.labels.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([v, n]) => ({ value: v, count: n }));
  const merchant = c.merchants.map(({ key, n }) => {
    const m = ref.merchantById.get(key);
    return { value: m?.slug ?? String(key), count: n, label: m?.name ?? '' };
  });
  const association = ranked(c.associations).map(({ key, n }) => {
    const a = ref.associations.find((x) => x.id === key);
    return { value: a?.slug ?? String(key), count: n, label: a?.name ?? '' };
  });
  return {
    category,
    quebec_label: quebec,
    merchant,
    association,
    in_stock: [{ value: '1', count: c.inStock }],
    fulfilment: [
      { value: 'pickup', count: c.pickup },
      { value: 'delivery', count: c.delivery },
    ],
    open_now: [{ value: '1', count: c.openNow }],
  };
}

/**
 * Each merchant's associations (ref.memberships) in two typed arrays, built once per reference:
 * `list[start[mid]..start[mid + 1])`, in the memberships' order. countFacets reads them for every
 * merchant with a result, where a Map lookup and an array per merchant cost a measurable share.
 */
const memberArrays = new WeakMap<Reference, { start: Int32Array; list: Int32Array }>();
function membersOf(ref: Reference) {
  let out = memberArrays.get(ref);
  if (!out) {
    let top = ref.maxMerchantId;
    for (const mid of ref.memberships.keys()) if (mid > top) top = mid;
    const start = new Int32Array(top + 2);
    for (const [mid, list] of ref.memberships) start[mid + 1] = list.length;
    for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
    const list = new Int32Array(start[top + 1]!);
    for (const [mid, assoc] of ref.memberships) list.set(assoc, start[mid]!);
    out = { start, list };
    memberArrays.set(ref, out);
  }
  return out;
}

/**
 * Whether `String(a) < String(b)` for ids (non-negative integers), without the strings: the
 * shorter one's digits scaled to the other's length, then compared (equal: a prefix, so first).
 * Exact below 10^7 (the scaled value stays under 2^53); larger ids compare their strings.
 */
export function textBefore(a: number, b: number): boolean {
  if (a >= 1e7 || b >= 1e7) return String(a) < String(b);
  let da = 1;
  for (let x = a; x >= 10; x = Math.floor(x / 10)) da++;
  let db = 1;
  for (let x = b; x >= 10; x = Math.floor(x / 10)) db++;
  if (da === db) return a < b;
  if (da < db) return a * 10 ** (db - da) <= b;
  return a < b * 10 ** (da - db);
}

/** Merchant `a` counted `na` times before `b` counted `nb` in the facet's order (byCount's). */
const countedBefore = (a: number, na: number, b: number, nb: number) =>
  na > nb || (na === nb && a !== b && textBefore(a, b));

/** The 20 first merchants of countFacets, by id and count (synchronous: never shared). */
const topKey = new Int32Array(20);
const topN = new Int32Array(20);

/** Per-process counts by merchant id and category id for countFacets (synchronous: never shared). */
let merchantCount = new Int32Array(0);
let categoryCount = new Int32Array(0);
let associationCount = new Int32Array(0);
const labelCount = new Int32Array(256);

/**
 * computeFacets over rankHits' groups (each group's best entry stands for its result): the same
 * lists, counted in typed arrays; associations from the merchants' counts; only the 20 first
 * merchants ranked.
 */
export function countFacets(
  ref: Reference,
  m: CatalogMemory,
  r: RankedGroups,
  facts: LocationFacts,
  lang: Lang,
) {
  if (merchantCount.length <= ref.maxMerchantId) merchantCount = new Int32Array(ref.maxMerchantId + 1);
  const merchantsSeen: number[] = [];
  const categoriesSeen: number[] = [];
  const labelsSeen: number[] = [];
  let inStock = 0;
  let pickup = 0;
  let delivery = 0;
  let openNow = 0;
  for (let g = 0; g < r.groups; g++) {
    const e = r.rep[g]!;
    const cq = r.cq[e]!;
    const c = cq >> 8;
    if (c !== 0) {
      if (c >= categoryCount.length) {
        const wider = new Int32Array(Math.max(c + 1, categoryCount.length * 2, 64));
        wider.set(categoryCount);
        categoryCount = wider;
      }
      if (categoryCount[c]!++ === 0) categoriesSeen.push(c);
    }
    const q = cq & 255;
    if (q !== 0 && labelCount[q]!++ === 0) labelsSeen.push(q);
    const mid = r.mid[e]!;
    if (merchantCount[mid]!++ === 0) merchantsSeen.push(mid);
    if (r.avail[e]! > 0) inStock++;
    const f = r.flags[e]!;
    if (f & 1) pickup++;
    if (f & 2) openNow++;
    if (facts.deliversAt(r.loc[e]!)) delivery++;
  }
  const categories = new Map<number, number>();
  for (const c of categoriesSeen) {
    categories.set(c, categoryCount[c]!);
    categoryCount[c] = 0;
  }
  const labels = new Map<string, number>();
  for (const q of labelsSeen) {
    labels.set(m.quebecLabels[q - 1]!, labelCount[q]!);
    labelCount[q] = 0;
  }
  const associationsSeen: number[] = [];
  const members = membersOf(ref);
  let size = 0;
  for (const mid of merchantsSeen) {
    const n = merchantCount[mid]!;
    merchantCount[mid] = 0;
    for (let j = members.start[mid]!, end = members.start[mid + 1]!; j < end; j++) {
      const a = members.list[j]!;
      if (a >= associationCount.length) {
        const wider = new Int32Array(Math.max(a + 1, associationCount.length * 2, 64));
        wider.set(associationCount);
        associationCount = wider;
      }
      if (associationCount[a] === 0) associationsSeen.push(a);
      associationCount[a]! += n;
    }
    // The 20 first by count, then by the id's text (ranked's order), kept sorted by insertion;
    // compared as numbers (no object or string per merchant seen: most are not among the 20).
    if (size === 20 && !countedBefore(mid, n, topKey[19]!, topN[19]!)) continue;
    let at = size === 20 ? 19 : size++;
    while (at > 0 && countedBefore(mid, n, topKey[at - 1]!, topN[at - 1]!)) {
      topKey[at] = topKey[at - 1]!;
      topN[at] = topN[at - 1]!;
      at--;
    }
    topKey[at] = mid;
    topN[at] = n;
  }
  const top: Counted[] = [];
  for (let i = 0; i < size; i++) top.push({ key: topKey[i]!, text: String(topKey[i]!), n: topN[i]! });
  const associations = new Map<number, number>();
  for (const a of associationsSeen) {
    associations.set(a, associationCount[a]!);
    associationCount[a] = 0;
  }
  return facetLists(ref, lang, {
    categories,
    labels,
    merchants: top,
    associations,
    inStock,
    pickup,
    delivery,
    openNow,
  });
}
