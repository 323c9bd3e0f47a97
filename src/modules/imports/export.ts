/** The catalogue export (import template columns) and translation of row errors for display. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Lang, t } from '../../i18n/index.ts';
import { allProductsOfMerchant, findCategoriesByIds, parseOptions } from '../catalog/index.ts';
import { levelsForProducts, merchantLocations, type RowError } from '../inventory/index.ts';

/** The import template's columns, in order (the export writes one `on_hand_<store code>` column per store instead of `location_code, on_hand`). */
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
  'handle',
  'option1_name',
  'option1_value',
  'option2_name',
  'option2_value',
  'option3_name',
  'option3_value',
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

/**
 * The merchant's catalogue in the import template's columns (round-trips through import): one row
 * per variant, the product row first then its variants, `handle` the product's (its stored handle,
 * else its SKU), the options in `optionN_name/value`, and one `on_hand_<code>` stock column per
 * store (empty: no stock recorded there).
 */
export async function exportProducts(db: Kysely<DB>, merchantId: number): Promise<string[][]> {
  const all = await allProductsOfMerchant(db, merchantId);
  const [categories, stores, levels] = await Promise.all([
    findCategoriesByIds(
      db,
      all.flatMap((p) => (p.category_id === null ? [] : [p.category_id])),
    ),
    merchantLocations(db, merchantId),
    levelsForProducts(
      db,
      all.map((p) => p.id),
    ),
  ]);
  const slugOf = new Map(categories.map((c) => [c.id, c.slug]));
  const storeList = [...stores.values()].sort((a, b) => a.id - b.id);
  const stock = new Map(levels.map((l) => [`${l.product_id}:${l.location_id}`, l.on_hand]));
  // Product rows in id order, each followed by its variants (a variant of an unknown row stands alone).
  const byId = new Map(all.map((p) => [p.id, p]));
  const variantsOf = new Map<number, typeof all>();
  for (const p of all)
    if (p.parent_id !== null && byId.has(p.parent_id)) {
      const list = variantsOf.get(p.parent_id);
      if (list) list.push(p);
      else variantsOf.set(p.parent_id, [p]);
    }
  const products = all.flatMap((p) =>
    p.parent_id !== null && byId.has(p.parent_id) ? [] : [p, ...(variantsOf.get(p.id) ?? [])],
  );
  const header: string[] = TEMPLATE_COLUMNS.filter((c) => c !== 'location_code' && c !== 'on_hand');
  header.splice(header.indexOf('handle'), 0, ...storeList.map((l) => `on_hand_${l.code}`));
  const out: string[][] = [header];
  for (const r of products) {
    let image = '';
    try {
      image = (JSON.parse(r.images_json) as { url?: string }[])[0]?.url ?? '';
    } catch {
      // An unreadable images value exports no image; the row itself is still exported.
    }
    const product = r.parent_id !== null ? (byId.get(r.parent_id) ?? r) : r;
    const options = parseOptions(r.options_json);
    out.push(
      [
        r.sku,
        r.title_fr,
        r.title_en,
        r.description_fr,
        r.description_en,
        r.category_id === null ? null : (slugOf.get(r.category_id) ?? null),
        r.price_cents,
        r.gtin,
        r.brand,
        r.quebec_label,
        r.tax_class,
        image,
        ...storeList.map((l) => stock.get(`${r.id}:${l.id}`) ?? null),
        product.handle ?? product.sku,
        ...[0, 1, 2].flatMap((i) => [options[i]?.name ?? '', options[i]?.value ?? '']),
        r.status,
      ].map(csvSafe),
    );
  }
  return out;
}
