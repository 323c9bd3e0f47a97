/**
 * Lightspeed Retail X-Series (formerly Vend) product export CSV, read as it is written: lower-case
 * column names, one row per product or variant (rows sharing a `handle` are the variants of one
 * product, `variant_option_one..three_name/value` their options), `retail_price` in dollars with up to five decimals, `active` 1/0,
 * and one `inventory_<Outlet>` / `outlet_tax_<Outlet>` column per outlet.
 */
import { stripHtml } from './html.ts';
import { quantityCell, type StockCell, trimDecimals } from './square.ts';

/** True for the X-Series product export header (`handle`, `sku` and `retail_price` or `supply_price`). */
export function isLightspeedHeader(header: string[]): boolean {
  const h = new Set(header.map((c) => c.trim()));
  return h.has('handle') && h.has('sku') && (h.has('retail_price') || h.has('supply_price'));
}

const off = (v: string) => /^(0|false|no|n)$/i.test(v.trim());

/**
 * Rows of an X-Series product export (records[0] is the header) in the import's canonical shape,
 * with `stock` cells per outlet (matched to the merchant's stores later). Only columns present in
 * the file appear in `data`.
 */
export function parseLightspeed(records: string[][]): { row: number; data: Record<string, unknown> }[] {
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
  const outlets = header.flatMap((h, i) =>
    h.startsWith('inventory_') && h.length > 10 ? [{ name: h.slice(10), i }] : [],
  );
  const taxes = header.flatMap((h, i) => (h.startsWith('outlet_tax_') ? [i] : []));
  const barcode = ['product_barcode', 'barcode'].find(has);

  const rows: { row: number; data: Record<string, unknown> }[] = [];
  records.forEach((r, i) => {
    if (i === 0) return;
    const name = get(r, 'name');
    const data: Record<string, unknown> = {
      sku: get(r, 'sku') || get(r, 'handle'),
      title_fr: name,
    };
    if (get(r, 'handle')) data.handle = get(r, 'handle');
    if (has('variant_option_one_value'))
      ['one', 'two', 'three'].forEach((w, k) => {
        data[`option${k + 1}_name`] = get(r, `variant_option_${w}_name`);
        data[`option${k + 1}_value`] = get(r, `variant_option_${w}_value`);
      });
    if (has('description')) data.description_fr = stripHtml(get(r, 'description'));
    if (has('retail_price')) {
      const price = get(r, 'retail_price');
      if (price) data.price = trimDecimals(price);
    }
    if (has('brand_name')) data.brand = get(r, 'brand_name');
    if (barcode) {
      const code = get(r, barcode);
      if (!code || /^\d{8,14}$/.test(code)) data.gtin = code;
      else data.gtin_ignored = code;
    }
    const type = get(r, 'product_category') || get(r, 'type');
    const tags = get(r, 'tags');
    if (type || tags) data.shopify_category = { type, tags };
    if (taxes.length) {
      const cells = taxes.map((t) => (r[t] ?? '').trim()).filter(Boolean);
      if (cells.length)
        data.tax_class = cells.every((c) => /no[ _-]?tax|exempt|zero|aucune|exon/i.test(c))
          ? 'zero_rated'
          : 'standard';
    }
    if (has('active')) data.status = off(get(r, 'active')) ? 'draft' : 'active';
    // track_inventory = 0: the outlets' counts mean nothing, stock is left alone.
    if (!off(get(r, 'track_inventory') || '1')) {
      const stock: StockCell[] = [];
      for (const o of outlets) {
        const qty = (r[o.i] ?? '').trim();
        if (qty) stock.push({ location: o.name, on_hand: quantityCell(qty) });
      }
      if (stock.length) data.stock = stock;
    }
    rows.push({ row: i + 1, data });
  });
  return rows;
}
