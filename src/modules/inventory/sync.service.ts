/**
 * The POS bulk sync `[{sku, location_code, on_hand}]` (merchant API, back-office inventory grid):
 * the one place of the stock rule. Reserved units are promised to placed orders, so a row asking
 * for fewer units on hand than are reserved is refused with `on_hand_below_reserved` (the merchant
 * must cancel or complete those orders first).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { productIdsBySku } from '../catalog/index.ts';
import type { EventBus } from '../events/index.ts';
import { defaultLocationOf, locationsOfMerchant } from '../merchants/index.ts';
import { type AvailabilityChange, announceAvailability, isBelowReservedViolation } from './availability.ts';
import { levelsOf, writeLevels } from './levels.service.ts';

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

export class RowErrors extends Error {
  readonly errors: RowError[];
  constructor(errors: RowError[]) {
    super(`${errors.length} invalid row(s)`);
    this.errors = errors;
  }
}

const rowError = (
  row: number,
  code: string,
  extra: Partial<RowError> = {},
  params?: Record<string, string | number>,
): RowError => ({ row, code, key: `merchant_api.${code}`, ...extra, ...(params ? { params } : {}) });

/** A merchant's stores by code (`is_default`: see `defaultLocationOf`). */
export async function merchantLocations(db: Kysely<DB>, merchantId: number) {
  const rows = await locationsOfMerchant(db, merchantId);
  return new Map(
    rows.map((r) => [r.code, { id: r.id, code: r.code, name: r.name, is_default: r.is_default }]),
  );
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
