/** Facet counts of a search's results (category, Québec label, merchant, association, stock, fulfilment, open now). */
import type { Reference } from './reference.ts';
import type { Lang, Scored } from './search.types.ts';

/** Counts per facet value over every result (not only the page shown). */
export function computeFacets(ref: Reference, results: Scored[], lang: Lang) {
  const count = <K>(key: (s: Scored) => K | K[] | null | undefined) => {
    const m = new Map<K, number>();
    for (const s of results) {
      const k = key(s);
      if (k === null || k === undefined) continue;
      for (const v of Array.isArray(k) ? k : [k]) m.set(v, (m.get(v) ?? 0) + 1);
    }
    return [...m.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  };
  const category = count((s) => s.category_id).flatMap(([id, n]) => {
    const c = ref.categoryById.get(id as number);
    return c ? [{ value: c.slug, count: n, label: lang === 'fr' ? c.name_fr : c.name_en }] : [];
  });
  const quebec = count((s) => s.quebec_label).map(([v, n]) => ({ value: String(v), count: n }));
  const merchant = count((s) => s.merchant_id)
    .slice(0, 20)
    .map(([id, n]) => {
      const m = ref.merchantById.get(id as number);
      return { value: m?.slug ?? String(id), count: n, label: m?.name ?? '' };
    });
  const association = count((s) => ref.memberships.get(s.merchant_id)).map(([id, n]) => {
    const a = ref.associations.find((x) => x.id === id);
    return { value: a?.slug ?? String(id), count: n, label: a?.name ?? '' };
  });
  let inStock = 0;
  let pickup = 0;
  let delivery = 0;
  let openNow = 0;
  for (const s of results) {
    if (s.available > 0) inStock++;
    if (Number(s.pickup)) pickup++;
    if (s.delivers) delivery++;
    if (s.open) openNow++;
  }
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
