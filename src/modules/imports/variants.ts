/**
 * Variants in imports: rows sharing a `handle` (default: the row's SKU) are the variants of one
 * product. The product row is the one the database already knows for that handle (stored handle,
 * or the product row whose SKU is the handle), else the handle's first valid row in file order;
 * the others point to it (`parent_id`), carry the product's title and their own options. Decided
 * for the whole file once every row is checked, so a handle's rows may come in any order.
 */
import { parseOptions } from '../catalog/index.ts';
import { type ProductFields, productChanged } from './rows.ts';
import type { ImportRowResult, ValidRow } from './types.ts';

/** A product row the database holds for a handle (catalog's `productRowsByHandle`). */
export interface HandleProduct {
  id: number;
  sku: string;
  handle: string | null;
  title_fr: string;
  title_en: string;
  options_json: string | null;
}

/** Product rows by handle: a stored handle wins over a product row whose SKU is that text. */
export function indexHandles(rows: readonly HandleProduct[]): Map<string, HandleProduct> {
  const out = new Map<string, HandleProduct>();
  for (const r of rows) if (r.handle !== null) out.set(r.handle, r);
  for (const r of rows) if (!out.has(r.sku)) out.set(r.sku, r);
  return out;
}

/**
 * `[{name, value}]` of the options given (empty values dropped); null without any value. The stored
 * text is kept when it says the same (a re-import changes nothing).
 */
function optionsJson(
  cells: { name: string; value: string }[],
  names: string[],
  stored: string | null | undefined,
): string | null {
  const list = cells.flatMap((c, i) =>
    c.value ? [{ name: c.name || names[i] || `Option ${i + 1}`, value: c.value }] : [],
  );
  if (!list.length) return null;
  const json = JSON.stringify(list);
  const same = JSON.stringify(parseOptions(stored).map((o) => ({ name: o.name, value: o.value })));
  return stored && same === json ? stored : json;
}

/** Recomputes a row's outcome once its grouping is known. */
function settle(v: ValidRow, results: ImportRowResult[], parentPending: boolean): void {
  const cur = v.current;
  v.write = !v.stockOnly && (!cur || parentPending || productChanged(cur, v.values));
  const r = results[v.result];
  r.status = !cur && !v.stockOnly ? 'create' : v.write || v.stockChange ? 'update' : 'unchanged';
}

/**
 * Groups the checked rows into products and variants (sets `parent_id`, `options_json`, `handle`,
 * the variants' titles, `parentSku` for parents created by the same import) and settles each
 * row's outcome. Returns the rows still valid (a new product without a French title is refused).
 */
export function groupVariants(
  valid: ValidRow[],
  results: ImportRowResult[],
  known: Map<string, HandleProduct>,
): ValidRow[] {
  const firstBySku = new Map<string, ValidRow>();
  for (const v of valid) if (!firstBySku.has(v.sku)) firstBySku.set(v.sku, v);
  const groups = new Map<string, ValidRow[]>();
  const groupOfSku = new Map<string, string>();
  for (const v of firstBySku.values()) {
    // No handle: a new SKU is its own product; an existing one keeps its grouping.
    const key = v.handle ?? (v.current ? undefined : v.sku);
    if (key === undefined) {
      if (v.options)
        v.values.options_json = optionsJson(
          v.options,
          parseOptions(v.current?.options_json).map((o) => o.name),
          v.current?.options_json,
        );
      settle(v, results, false);
      continue;
    }
    groupOfSku.set(v.sku, key);
    const list = groups.get(key);
    if (list) list.push(v);
    else groups.set(key, [v]);
  }
  const refused = new Set<ValidRow>();
  for (const [key, rows] of groups) {
    let stored = known.get(key);
    // The stored product row moves to another handle in this file: this handle starts afresh.
    if (stored && groupOfSku.has(stored.sku) && groupOfSku.get(stored.sku) !== key) stored = undefined;
    const productSku = stored?.sku ?? rows[0].sku;
    const productRow = rows.find((r) => r.sku === productSku);
    const productId = stored?.id ?? (productRow?.current ? productRow.productId : undefined);
    const title = productRow
      ? { fr: productRow.values.title_fr, en: productRow.values.title_en }
      : { fr: stored?.title_fr ?? '', en: stored?.title_en ?? '' };
    // Option names as Shopify writes them: on the product's first row, blank on the others.
    const storedNames = parseOptions(stored?.options_json).map((o) => o.name);
    const names = [0, 1, 2].map(
      (i) => rows.find((r) => r.options?.[i]?.name)?.options?.[i]?.name || storedNames[i] || '',
    );
    if (productRow && !productRow.current && !productRow.values.title_fr) {
      // A new product needs a French title: its row and the variants that would hang on it are refused.
      for (const v of rows) {
        refused.add(v);
        results[v.result] = {
          row: v.row,
          sku: v.sku,
          status: 'error',
          errors: [{ row: v.row, sku: v.sku, field: 'title_fr', code: 'required', key: 'field.required' }],
        };
      }
      continue;
    }
    for (const v of rows) {
      const values: ProductFields = v.values;
      if (v.options) values.options_json = optionsJson(v.options, names, v.current?.options_json);
      let parentPending = false;
      if (v.sku === productSku) {
        values.parent_id = null;
        values.handle = key === v.sku ? null : key;
      } else {
        values.handle = null;
        values.title_fr = title.fr || values.title_fr;
        values.title_en = title.fr ? title.en : values.title_en;
        if (productId !== undefined) values.parent_id = productId;
        else {
          values.parent_id = null;
          v.parentSku = productSku;
          parentPending = true;
        }
      }
      settle(v, results, parentPending);
    }
  }
  // Repeated SKUs (stock rows of our export) follow their first row.
  for (const v of valid) {
    const first = firstBySku.get(v.sku);
    if (first && first !== v) {
      if (refused.has(first)) refused.add(v);
      else {
        v.values = first.values;
        v.parentSku = first.parentSku;
      }
    }
  }
  return refused.size ? valid.filter((v) => !refused.has(v)) : valid;
}
