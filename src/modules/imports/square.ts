/**
 * Square's item library export (Items → Export library, CSV or Excel), read as Square writes it:
 * one row per item variation (the variations of one Item Name are the variants of one product,
 * with their `Option Name/Value` pairs as options, else the Variation Name as option "Variante";
 * the default "Regular" variation is a product without options), prices in dollars, one `Current Quantity <location>` /
 * `New Quantity <location>` column pair and one `Enabled <location>` column per Square location,
 * `Archived` / `Sellable` Y/N flags and one `Tax - <name> (<rate>)` Y/N column per tax.
 */
import { stripHtml } from './html.ts';

/** True for Square's item library header (`Token`, `Item Name` and `Variation Name` or `SKU`). */
export function isSquareHeader(header: string[]): boolean {
  const h = new Set(header.map((c) => c.trim()));
  return h.has('Token') && h.has('Item Name') && (h.has('Variation Name') || h.has('SKU'));
}

/** A stock cell of a POS export for one location, by the location's name as the export writes it. */
export interface StockCell {
  location: string;
  on_hand: unknown;
}

/** Decimal text as POS systems write it ("4.50000", "12.5") → at most two decimals ("4.50"); other text as is. */
export function trimDecimals(text: string): string {
  const m = /^(-?\d*)\.(\d*?)0*$/.exec(text.trim());
  if (!m) return text.trim();
  return m[2] ? `${m[1] || '0'}.${m[2]}` : m[1] || '0';
}

/** A quantity cell: whole numbers (negative counts as 0, "12.00000" as 12); other text is left for validation. */
export function quantityCell(text: string): unknown {
  const t = trimDecimals(text);
  return /^-?\d+$/.test(t) ? Math.max(0, Number(t)) : text.trim();
}

const DEFAULT_VARIATIONS = new Set(['', 'regular', 'normal', 'standard', 'ordinaire', 'default']);
const yes = (v: string) => /^(y|yes|o|oui|true|1)$/i.test(v.trim());
const no = (v: string) => /^(n|no|non|false|0)$/i.test(v.trim());

/**
 * Rows of a Square item library export (records[0] is the header) in the import's canonical
 * shape, with `stock` cells per Square location (matched to the merchant's stores later). Only
 * columns present in the file appear in `data`.
 */
export function parseSquare(records: string[][]): { row: number; data: Record<string, unknown> }[] {
  const header = records[0].map((c) => c.trim());
  const idx = new Map<string, number>();
  header.forEach((h, i) => {
    if (!idx.has(h)) idx.set(h, i);
  });
  const has = (col: string) => idx.has(col);
  const get = (r: string[], col: string) => {
    const i = idx.get(col);
    return i === undefined ? '' : (r[i] ?? '').trim();
  };
  // Per-location columns: the location's name follows the prefix.
  const locations = new Map<string, { current?: number; next?: number; enabled?: number }>();
  const perLocation = (prefix: string, key: 'current' | 'next' | 'enabled') =>
    header.forEach((h, i) => {
      if (!h.startsWith(prefix) || h.length <= prefix.length) return;
      const name = h.slice(prefix.length).trim();
      const l = locations.get(name) ?? {};
      l[key] = i;
      locations.set(name, l);
    });
  perLocation('Current Quantity ', 'current');
  perLocation('New Quantity ', 'next');
  perLocation('Enabled ', 'enabled');
  const taxes = header.flatMap((h, i) => (/^Tax - /.test(h) ? [i] : []));
  const categoryColumns = ['Reporting Category', 'Category', 'Categories'].filter(has);

  const rows: { row: number; data: Record<string, unknown> }[] = [];
  records.forEach((r, i) => {
    if (i === 0) return;
    const name = get(r, 'Item Name');
    const variation = get(r, 'Variation Name');
    const sku = get(r, 'SKU') || get(r, 'Token');
    const data: Record<string, unknown> = { sku, title_fr: name };
    if (name) {
      data.handle = name;
      const options = [1, 2, 3].flatMap((n) =>
        get(r, `Option Value ${n}`)
          ? [{ name: get(r, `Option Name ${n}`), value: get(r, `Option Value ${n}`) }]
          : [],
      );
      if (!options.length && !DEFAULT_VARIATIONS.has(variation.toLowerCase()))
        options.push({ name: 'Variante', value: variation });
      options.forEach((o, k) => {
        data[`option${k + 1}_name`] = o.name;
        data[`option${k + 1}_value`] = o.value;
      });
      if (!options.length) data.option1_value = '';
    }
    if (has('Description')) data.description_fr = stripHtml(get(r, 'Description'));
    if (has('Price')) {
      // An empty price is Square's variable pricing: the product's price is left alone.
      const price = get(r, 'Price');
      if (price) data.price = trimDecimals(price);
    }
    if (has('GTIN')) {
      const code = get(r, 'GTIN').replace(/^'/, '');
      if (!code || /^\d{8,14}$/.test(code)) data.gtin = code;
      else data.gtin_ignored = code;
    }
    if (categoryColumns.length) {
      const [first, ...rest] = categoryColumns.map((c) => get(r, c));
      // The reporting category first, then each of the item's categories.
      if (first || rest.some(Boolean))
        data.shopify_category = { type: first, tags: rest.filter(Boolean).join(',') };
    }
    if (taxes.length) data.tax_class = taxes.some((t) => yes(r[t] ?? '')) ? 'standard' : 'zero_rated';
    const enabled = [...locations.values()].flatMap((l) =>
      l.enabled === undefined ? [] : [(r[l.enabled] ?? '').trim()],
    );
    if (yes(get(r, 'Archived'))) data.status = 'archived';
    else if (no(get(r, 'Sellable')) || (enabled.length && enabled.every(no))) data.status = 'draft';
    else if (has('Archived') || has('Sellable') || enabled.length) data.status = 'active';
    const stock: StockCell[] = [];
    for (const [location, l] of locations) {
      const next = l.next === undefined ? '' : (r[l.next] ?? '').trim();
      const current = l.current === undefined ? '' : (r[l.current] ?? '').trim();
      // "New Quantity" is what the merchant typed to import; otherwise the current count.
      const qty = next || current;
      if (qty) stock.push({ location, on_hand: quantityCell(qty) });
    }
    if (stock.length) data.stock = stock;
    rows.push({ row: i + 1, data });
  });
  return rows;
}
