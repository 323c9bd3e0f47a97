/** The catalogue export (import template columns) and translation of row errors for display. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Lang, t } from '../../i18n/index.ts';
import { allProductsOfMerchant, findCategoriesByIds } from '../catalog/index.ts';
import { levelsForProducts, merchantLocations, type RowError } from '../inventory/index.ts';

/** The import template's columns, in order (what `exportProducts` writes). */
export const TEMPLATE_COLUMNS = [
  'sku',
  'title_fr',
  'title_en',
  'description_fr',
  'description_en',
  'category',
  'price_cents',
  'gtin',
  'brand',
  'quebec_label',
  'tax_class',
  'image_url',
  'location_code',
  'on_hand',
  'status',
] as const;
export const MAX_IMPORT_ROWS = 200_000;

/** Adds translated `message`s to row errors and warnings (for API responses and back-office pages). */
export function translateRowErrors<T extends { errors?: RowError[]; warnings?: RowError[] }>(
  lang: Lang,
  rows: T[],
) {
  const tr = (list: RowError[]) =>
    list.map(({ key, params, ...e }) => ({ ...e, message: t(lang, key, params) }));
  return rows.map((r) =>
    r.errors || r.warnings
      ? {
          ...r,
          ...(r.errors ? { errors: tr(r.errors) } : {}),
          ...(r.warnings ? { warnings: tr(r.warnings) } : {}),
        }
      : r,
  );
}

/** Protects a CSV cell from formula injection in spreadsheets (=, +, -, @, tab, CR lead). */
export function csvSafe(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** The merchant's catalogue in the import template's columns (round-trips through import). */
export async function exportProducts(db: Kysely<DB>, merchantId: number): Promise<string[][]> {
  const products = await allProductsOfMerchant(db, merchantId);
  const [categories, stores, levels] = await Promise.all([
    findCategoriesByIds(
      db,
      products.flatMap((p) => (p.category_id === null ? [] : [p.category_id])),
    ),
    merchantLocations(db, merchantId),
    levelsForProducts(
      db,
      products.map((p) => p.id),
    ),
  ]);
  const slugOf = new Map(categories.map((c) => [c.id, c.slug]));
  const codeOf = new Map([...stores.values()].map((l) => [l.id, l.code]));
  const levelsByProduct = new Map<number, typeof levels>();
  for (const l of levels) {
    const list = levelsByProduct.get(l.product_id);
    if (list) list.push(l);
    else levelsByProduct.set(l.product_id, [l]);
  }
  // One row per product and store (a product without stock: one row without store), stores in id order.
  const rows = products.flatMap((p) => {
    const base = { ...p, category: p.category_id === null ? null : (slugOf.get(p.category_id) ?? null) };
    const own = (levelsByProduct.get(p.id) ?? []).sort(
      (a, b) =>
        Number(!codeOf.has(a.location_id)) - Number(!codeOf.has(b.location_id)) ||
        a.location_id - b.location_id,
    );
    if (!own.length)
      return [{ ...base, location_code: null as string | null, on_hand: null as number | null }];
    return own.map((l) => ({
      ...base,
      location_code: codeOf.get(l.location_id) ?? null,
      on_hand: l.on_hand,
    }));
  });
  const out: string[][] = [[...TEMPLATE_COLUMNS]];
  for (const r of rows) {
    let image = '';
    try {
      image = (JSON.parse(r.images_json) as { url?: string }[])[0]?.url ?? '';
    } catch {}
    out.push(
      [
        r.sku,
        r.title_fr,
        r.title_en,
        r.description_fr,
        r.description_en,
        r.category,
        r.price_cents,
        r.gtin,
        r.brand,
        r.quebec_label,
        r.tax_class,
        image,
        r.location_code,
        r.on_hand,
        r.status,
      ].map(csvSafe),
    );
  }
  return out;
}
