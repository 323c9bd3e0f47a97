/**
 * Stock levels: bulk reads (optionally locked), availability per product, writes of on-hand
 * counts, and the merchant views built on them (feeds, the back-office's low-stock list, one
 * product's stock per store). Products come from the catalog module, stores from merchants.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { allProductsOfMerchant, findProductsByIds, productIdsOfMerchant } from '../catalog/index.ts';
import { locationsOfMerchant } from '../merchants/index.ts';
import { LOW_STOCK_THRESHOLD } from './availability.ts';
import {
  type LevelRow,
  selectAvailableByProduct,
  selectLevel,
  selectLevels,
  selectLevelsAvailableAtMost,
  upsertOnHand,
} from './inventory.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

export type { LevelRow };

/**
 * Existing stock levels of these products, keyed `${product_id}:${location_id}`. With `forUpdate`
 * (PostgreSQL, inside a transaction) the rows are locked in the order checkouts reserve in.
 */
export async function levelsOf(db: Db, productIds: readonly number[], opts: { forUpdate?: boolean } = {}) {
  const map = new Map<string, { on_hand: number; reserved: number }>();
  for (const r of await selectLevels(db, productIds, opts))
    map.set(`${r.product_id}:${r.location_id}`, { on_hand: r.on_hand, reserved: r.reserved });
  return map;
}

/** Stock rows (every location) of these products. */
export function levelsForProducts(db: Db, productIds: readonly number[]): Promise<LevelRow[]> {
  return productIds.length ? selectLevels(db, productIds) : Promise.resolve([]);
}

/** Units available (on hand − reserved) of a product at a store; 0 when never stocked there. */
export async function availableAt(db: Db, productId: number, locationId: number): Promise<number> {
  const l = await selectLevel(db, productId, locationId);
  return l ? l.on_hand - l.reserved : 0;
}

/** The stock row of a product at a store, or undefined when never stocked there. */
export function levelAt(db: Db, productId: number, locationId: number): Promise<LevelRow | undefined> {
  return selectLevel(db, productId, locationId);
}

/** Availability summed over every store, per product (0 for products without stock rows). */
export async function availableByProduct(
  db: Db,
  productIds: readonly number[],
): Promise<Map<number, number>> {
  const found = await selectAvailableByProduct(db, productIds);
  return new Map(productIds.map((id) => [id, found.get(id) ?? 0]));
}

/**
 * Writes on-hand counts (insert or update; reserved untouched) in the caller's transaction. The
 * database refuses on-hand below reserved (see `isBelowReservedViolation`); announce the changes
 * with `announceAvailability` after commit.
 */
export function writeLevels(
  trx: Db,
  rows: readonly { product_id: number; location_id: number; on_hand: number }[],
): Promise<void> {
  return rows.length ? upsertOnHand(trx, rows) : Promise.resolve();
}

/** Sets one product's on-hand count at one store (see `writeLevels`). */
export function setOnHand(trx: Db, productId: number, locationId: number, onHand: number): Promise<void> {
  return upsertOnHand(trx, [{ product_id: productId, location_id: locationId, on_hand: onHand }]);
}

/** Availability of one merchant's active products per store (feeds): product id order, then store id. */
export async function merchantStock(db: Db, merchantId: number) {
  const products = (await allProductsOfMerchant(db, merchantId)).filter((p) => p.status === 'active');
  const locations = await locationsOfMerchant(db, merchantId);
  const byId = new Map(locations.map((l) => [l.id, l]));
  const levels = await selectLevels(
    db,
    products.map((p) => p.id),
  );
  const byProduct = new Map<number, LevelRow[]>();
  for (const l of levels) {
    if (!byId.has(l.location_id)) continue;
    const list = byProduct.get(l.product_id) ?? [];
    list.push(l);
    byProduct.set(l.product_id, list);
  }
  return products.flatMap((p) =>
    (byProduct.get(p.id) ?? [])
      .sort((a, b) => a.location_id - b.location_id)
      .map((i) => {
        const l = byId.get(i.location_id) as (typeof locations)[number];
        return {
          product_id: p.id,
          sku: p.sku,
          price_cents: p.price_cents,
          location_code: l.code,
          pickup: l.pickup,
          on_hand: i.on_hand,
          reserved: i.reserved,
        };
      }),
  );
}

/**
 * A merchant's active products at most LOW_STOCK_THRESHOLD available at one of its stores (the
 * dashboard list): least available first, then by SKU; `limit` rows (default 20).
 */
export async function lowStock(db: Db, merchantId: number, limit = 20) {
  const ids = await productIdsOfMerchant(db, merchantId, { status: 'active' });
  const locations = new Map((await locationsOfMerchant(db, merchantId)).map((l) => [l.id, l]));
  const low = (await selectLevelsAvailableAtMost(db, ids, LOW_STOCK_THRESHOLD)).filter((l) =>
    locations.has(l.location_id),
  );
  const products = new Map(
    (await findProductsByIds(db, [...new Set(low.map((l) => l.product_id))])).map((p) => [p.id, p]),
  );
  return low
    .map((l) => {
      const p = products.get(l.product_id);
      return {
        product_id: l.product_id,
        sku: p?.sku ?? '',
        title_fr: p?.title_fr ?? '',
        title_en: p?.title_en ?? '',
        location: locations.get(l.location_id)?.name ?? '',
        available: l.on_hand - l.reserved,
      };
    })
    .sort((a, b) => a.available - b.available || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .slice(0, limit);
}

/** Stock of one product at each of the merchant's stores, oldest store first (0 where never stocked). */
export async function productLevelsAtStores(db: Db, merchantId: number, productId: number) {
  const [locations, levels] = await Promise.all([
    locationsOfMerchant(db, merchantId),
    selectLevels(db, [productId]),
  ]);
  const at = new Map(levels.map((l) => [l.location_id, l]));
  return locations.map((l) => ({
    id: l.id,
    code: l.code,
    name: l.name,
    on_hand: at.get(l.id)?.on_hand ?? 0,
    reserved: at.get(l.id)?.reserved ?? 0,
  }));
}
