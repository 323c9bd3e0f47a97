/**
 * Inventory: stock levels per product and location, the POS bulk sync, and the one place
 * that announces availability changes (SSE `stock` events and `inventory.low` webhooks).
 *
 * Rule for on-hand below reserved: reserved units are promised to placed orders, so a sync
 * row asking for fewer units on hand than are reserved is refused with
 * `on_hand_below_reserved` (the merchant must cancel or complete those orders first).
 */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { EventBus } from '../events/index.ts';
import { enqueueEvents } from '../webhooks/index.ts';
import { defaultLocationOf } from './locations.ts';

export {
  checkBodyDepth,
  checkIdempotencyKey,
  IDEMPOTENCY_KEY_MAX,
  type IdempotentResult,
  idempotencyKeyHeader,
  MAX_BODY_DEPTH,
  withIdempotency,
} from './idempotency.ts';
export {
  defaultLocationOf,
  LOCATION_CODE_PATTERN,
  locationCodeIssues,
  setLocationCodeAndDefault,
} from './locations.ts';

/** `inventory.low` fires when availability drops from above this to at most this many units. */
export const LOW_STOCK_THRESHOLD = 3;
/** Most rows accepted in one inventory sync request. */
export const MAX_SYNC_ROWS = 20_000;

/** A per-row problem: `code` is stable for machines, `key`/`params` translate it for people. */
export interface RowError {
  row: number;
  sku?: string;
  location_code?: string;
  field?: string;
  code: string;
  key: string;
  params?: Record<string, string | number>;
}

export interface SyncRowResult {
  row: number;
  sku: string;
  location_code: string;
  product_id: number;
  location_id: number;
  on_hand: number;
  reserved: number;
  available: number;
  status: 'updated' | 'unchanged';
}

/** One availability change, as published on the `stock` event. */
export interface AvailabilityChange {
  product_id: number;
  sku: string;
  location_id: number;
  merchant_id: number;
  available: number;
  /** Availability before the change (to detect a drop to the low-stock threshold). */
  previous?: number;
}

export class RowErrors extends Error {
  readonly errors: RowError[];
  constructor(errors: RowError[]) {
    super(`${errors.length} invalid row(s)`);
    this.errors = errors;
  }
}

const CHUNK = 500;

/** True on PostgreSQL (bulk paths differ: JSON record sets instead of many bind parameters). */
export function isPostgres(db: Kysely<DB>): boolean {
  return !db.getExecutor().adapter.constructor.name.startsWith('Sqlite');
}
function chunks<T>(list: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const rowError = (
  row: number,
  code: string,
  extra: Partial<RowError> = {},
  params?: Record<string, string | number>,
): RowError => ({ row, code, key: `merchant_api.${code}`, ...extra, ...(params ? { params } : {}) });

/** Locations of a merchant by code (`is_default`: see `defaultLocationOf`). */
export async function merchantLocations(db: Kysely<DB>, merchantId: number) {
  const rows = await db
    .selectFrom('locations')
    .select(['id', 'code', 'name', 'is_default'])
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
  return new Map(rows.map((r) => [r.code, r]));
}

/**
 * Existing stock levels for the given product ids (key `${product_id}:${location_id}`). With
 * `forUpdate` (PostgreSQL, inside a transaction) the rows are locked in (product_id, location_id)
 * order, the order checkouts reserve in: a reservation committed meanwhile is seen, never overwritten.
 */
export async function levelsOf(db: Kysely<DB>, productIds: number[], opts: { forUpdate?: boolean } = {}) {
  const map = new Map<string, { on_hand: number; reserved: number }>();
  if (isPostgres(db)) {
    for (const ids of chunks(productIds, 50_000)) {
      const q = db
        .selectFrom('inventory_levels')
        .select(['product_id', 'location_id', 'on_hand', 'reserved'])
        .where(sql<boolean>`product_id in (select unnest(${ids}::int[]))`);
      const rows = await (opts.forUpdate
        ? q.orderBy('product_id').orderBy('location_id').forUpdate()
        : q
      ).execute();
      for (const r of rows)
        map.set(`${r.product_id}:${r.location_id}`, { on_hand: r.on_hand, reserved: r.reserved });
    }
    return map;
  }
  for (const ids of chunks(productIds)) {
    const rows = await db
      .selectFrom('inventory_levels')
      .select(['product_id', 'location_id', 'on_hand', 'reserved'])
      .where('product_id', 'in', ids)
      .execute();
    for (const r of rows)
      map.set(`${r.product_id}:${r.location_id}`, { on_hand: r.on_hand, reserved: r.reserved });
  }
  return map;
}

/** The merchant's product ids for the given SKUs (unknown SKUs are absent). */
export async function productIdsBySku(db: Kysely<DB>, merchantId: number, skus: string[]) {
  const map = new Map<string, number>();
  const pg = isPostgres(db);
  for (const list of chunks(skus, pg ? 50_000 : CHUNK)) {
    const found = await db
      .selectFrom('products')
      .select(['id', 'sku'])
      .where('merchant_id', '=', merchantId)
      .where(pg ? sql<boolean>`sku in (select unnest(${list}::text[]))` : (eb) => eb('sku', 'in', list))
      .execute();
    for (const p of found) map.set(p.sku, p.id);
  }
  return map;
}

/** Writes stock levels (insert or update on_hand), in batches, inside the caller's transaction. */
export async function writeLevels(
  trx: Kysely<DB>,
  rows: { product_id: number; location_id: number; on_hand: number }[],
): Promise<void> {
  const now = new Date().toISOString();
  if (isPostgres(trx)) {
    // One JSON parameter per 5,000 rows: far cheaper for PostgreSQL than thousands of bind parameters.
    for (const batch of chunks(rows, 5000)) {
      await sql`insert into inventory_levels (product_id, location_id, on_hand, reserved, updated_at)
        select x.product_id, x.location_id, x.on_hand, 0, ${now}::timestamptz
        from json_to_recordset(${JSON.stringify(batch)}::json) as x(product_id integer, location_id integer, on_hand integer)
        on conflict (product_id, location_id) do update set on_hand = excluded.on_hand, updated_at = excluded.updated_at`.execute(
        trx,
      );
    }
    return;
  }
  for (const batch of chunks(rows)) {
    await trx
      .insertInto('inventory_levels')
      .values(batch.map((r) => ({ ...r, reserved: 0, updated_at: now })))
      .onConflict((oc) =>
        oc.columns(['product_id', 'location_id']).doUpdateSet((eb) => ({
          on_hand: eb.ref('excluded.on_hand'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/**
 * Bulk POS sync `[{sku, location_code, on_hand}]` for one merchant: all rows apply in one
 * transaction, or none (any invalid row throws RowErrors listing every problem). Unknown SKUs
 * and location codes are those of other merchants too: every lookup is scoped by merchant.
 */
export async function syncInventory(
  db: Kysely<DB>,
  events: EventBus,
  merchantId: number,
  input: unknown,
): Promise<{ updated: number; unchanged: number; results: SyncRowResult[] }> {
  if (!Array.isArray(input)) throw new RowErrors([rowError(0, 'body_not_array')]);
  if (input.length > MAX_SYNC_ROWS)
    throw new RowErrors([rowError(0, 'too_many_rows', {}, { maximum: MAX_SYNC_ROWS })]);
  const errors: RowError[] = [];
  const rows: { row: number; sku: string; location_code: string; on_hand: number }[] = [];
  const locations = await merchantLocations(db, merchantId);
  // Rows without location_code go to the default store (adding a store never breaks a POS).
  const single = defaultLocationOf(locations.values())?.code;
  const seen = new Set<string>();
  input.forEach((raw, i) => {
    const row = i + 1;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      errors.push(rowError(row, 'row_not_object'));
      return;
    }
    const r = raw as Record<string, unknown>;
    const sku = typeof r.sku === 'string' ? r.sku.trim() : '';
    const code = r.location_code === undefined || r.location_code === null ? single : r.location_code;
    const base = { sku: typeof r.sku === 'string' ? r.sku : undefined };
    if (!sku || sku.length > 100) {
      errors.push(rowError(row, 'sku_invalid', { ...base, field: 'sku' }));
      return;
    }
    if (typeof code !== 'string' || !code) {
      errors.push(rowError(row, 'location_code_required', { sku, field: 'location_code' }));
      return;
    }
    if (typeof r.on_hand !== 'number' || !Number.isInteger(r.on_hand)) {
      errors.push(rowError(row, 'on_hand_not_integer', { sku, location_code: code, field: 'on_hand' }));
      return;
    }
    if (r.on_hand < 0 || r.on_hand > 1_000_000_000) {
      errors.push(rowError(row, 'on_hand_negative', { sku, location_code: code, field: 'on_hand' }));
      return;
    }
    if (!locations.has(code)) {
      errors.push(
        rowError(row, 'unknown_location', { sku, location_code: code, field: 'location_code' }, { code }),
      );
      return;
    }
    const k = `${sku}\u0000${code}`;
    if (seen.has(k)) {
      errors.push(rowError(row, 'duplicate_row', { sku, location_code: code }));
      return;
    }
    seen.add(k);
    rows.push({ row, sku, location_code: code, on_hand: r.on_hand });
  });

  const products = await productIdsBySku(db, merchantId, [...new Set(rows.map((r) => r.sku))]);
  for (const r of rows) {
    if (!products.has(r.sku))
      errors.push(
        rowError(
          r.row,
          'unknown_sku',
          { sku: r.sku, location_code: r.location_code, field: 'sku' },
          { sku: r.sku },
        ),
      );
  }
  if (errors.length) throw new RowErrors(errors.sort((a, b) => a.row - b.row));

  const apply = () =>
    db.transaction().execute(async (trx) => {
      // Locked read: a checkout reserving these rows meanwhile is waited for and its units counted.
      const ids = [...new Set(products.values())].sort((a, b) => a - b);
      const levels = await levelsOf(trx, ids, { forUpdate: true });
      const errors: RowError[] = [];
      const results: SyncRowResult[] = [];
      const writes: { product_id: number; location_id: number; on_hand: number }[] = [];
      const changes: AvailabilityChange[] = [];
      for (const r of rows) {
        const product_id = products.get(r.sku) as number;
        const location_id = (locations.get(r.location_code) as { id: number }).id;
        const cur = levels.get(`${product_id}:${location_id}`);
        const reserved = cur?.reserved ?? 0;
        if (r.on_hand < reserved) {
          errors.push(
            rowError(
              r.row,
              'on_hand_below_reserved',
              { sku: r.sku, location_code: r.location_code, field: 'on_hand' },
              {
                reserved,
              },
            ),
          );
          continue;
        }
        const unchanged = cur !== undefined && cur.on_hand === r.on_hand;
        results.push({
          row: r.row,
          sku: r.sku,
          location_code: r.location_code,
          product_id,
          location_id,
          on_hand: r.on_hand,
          reserved,
          available: r.on_hand - reserved,
          status: unchanged ? 'unchanged' : 'updated',
        });
        if (!unchanged) {
          writes.push({ product_id, location_id, on_hand: r.on_hand });
          changes.push({
            product_id,
            sku: r.sku,
            location_id,
            merchant_id: merchantId,
            available: r.on_hand - reserved,
            previous: cur ? cur.on_hand - cur.reserved : 0,
          });
        }
      }
      if (errors.length) throw new RowErrors(errors);
      await writeLevels(trx, writes);
      return { results, changes };
    });
  let applied: Awaited<ReturnType<typeof apply>> | undefined;
  for (let attempt = 1; !applied; attempt++) {
    try {
      applied = await apply();
    } catch (err) {
      // Last guard (the database's CHECK on_hand >= reserved): re-read, the rows then report
      // on_hand_below_reserved instead of a server error.
      if (attempt >= 3 || !isBelowReservedViolation(err)) throw err;
    }
  }
  const { results, changes } = applied;
  await announceAvailability(db, events, changes);
  const updated = results.filter((r) => r.status === 'updated').length;
  return { updated, unchanged: results.length - updated, results };
}

/** The CHECK constraint `on_hand - reserved >= 0` refused a write (PostgreSQL 23514, or SQLite). */
export function isBelowReservedViolation(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.constraint === 'inventory_available_not_negative') return true;
  return (
    (e.code === '23514' || /CHECK constraint failed/i.test(String(e.message))) &&
    /inventory_available_not_negative/.test(String(e.message))
  );
}

/**
 * Announces availability changes after they are committed: a `stock` event for each (SSE
 * clients on every instance), and an `inventory.low` webhook when availability drops from
 * above LOW_STOCK_THRESHOLD to at most it. Call it from any code that changes on_hand or
 * reserved (POS sync, import, back-office edits, reservations, cancellations).
 */
export async function announceAvailability(
  db: Kysely<DB>,
  events: EventBus,
  changes: AvailabilityChange[],
): Promise<void> {
  // Published together: the PostgreSQL bus sends them in a few batched NOTIFYs.
  await Promise.all(
    changes.map((c) =>
      events.publish('stock', {
        product_id: c.product_id,
        sku: c.sku,
        location_id: c.location_id,
        merchant_id: c.merchant_id,
        available: c.available,
      }),
    ),
  );
  const low = new Map<number, Record<string, unknown>[]>();
  for (const c of changes) {
    if (c.available > LOW_STOCK_THRESHOLD || (c.previous !== undefined && c.previous <= LOW_STOCK_THRESHOLD))
      continue;
    const list = low.get(c.merchant_id) ?? [];
    list.push({
      product_id: c.product_id,
      sku: c.sku,
      location_id: c.location_id,
      available: c.available,
      threshold: LOW_STOCK_THRESHOLD,
    });
    low.set(c.merchant_id, list);
  }
  for (const [merchantId, list] of low) await enqueueEvents(db, merchantId, 'inventory.low', list);
}

/** Availability of one merchant's products per location (for feeds and exports). */
export async function merchantStock(db: Kysely<DB>, merchantId: number) {
  return db
    .selectFrom('inventory_levels as i')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .innerJoin('locations as l', 'l.id', 'i.location_id')
    .select([
      'p.id as product_id',
      'p.sku',
      'p.price_cents',
      'l.code as location_code',
      'l.pickup',
      'i.on_hand',
      'i.reserved',
    ])
    .where('p.merchant_id', '=', merchantId)
    .where('l.merchant_id', '=', merchantId)
    .where('p.status', '=', 'active')
    .orderBy('p.id')
    .orderBy('l.id')
    .execute();
}
