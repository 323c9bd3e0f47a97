/** Facet counts of a search's results (category, Québec label, merchant, association, stock, fulfilment, open now). */
import type { Reference } from './reference.ts';
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
  const category = ranked(categories).flatMap(({ key, n }) => {
    const c = ref.categoryById.get(key);
    return c ? [{ value: c.slug, count: n, label: lang === 'fr' ? c.name_fr : c.name_en }] : [];
  });
  const quebec = [...labels.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([v, n]) => ({ value: v, count: n }));
  const merchant = ranked(merchants)
    .slice(0, 20)
    .map(({ key, n }) => {
      const m = ref.merchantById.get(key);
      return { value: m?.slug ?? String(key), count: n, label: m?.name ?? '' };
    });
  const association = ranked(associations).map(({ key, n }) => {
    const a = ref.associations.find((x) => x.id === key);
    return { value: a?.slug ?? String(key), count: n, label: a?.name ?? '' };
  });
  return {
    category,
    quebec_label: quebec,
    merchant,
    association,
    in_stock: [{ value: '1', count: inStock }],
    fulfilment: [
      { value: 'pickup', count: pickup },
      { value: 'delivery', count: delivery },
    ],
    open_now: [{ value: '1', count: openNow }],
  };
}
