/**
 * A merchant's stores: look-ups, store codes and the default store, fulfilment settings. Stock
 * rows without `location_code` (POS sync, imports) go to the default store, so adding a store
 * never breaks an integration.
 */
import type { Insertable, Selectable } from 'kysely';
import type { LocationsTable } from '../../db/schema.ts';
import { type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import { zodIssues } from '../common/validation.ts';
import * as repo from './locations.repository.ts';
import {
  type DeliverySettings,
  LOCATION_CODE_PATTERN,
  type LocationFulfilment,
  locationFulfilmentSchema,
} from './locations.schemas.ts';
import type { Q } from './merchants.repository.ts';

/** A store row. */
export type Location = Selectable<LocationsTable>;

/** The editable columns of a store (everything but its id, merchant, code and timestamps). */
export type LocationValues = Omit<Insertable<LocationsTable>, 'id' | 'merchant_id' | 'code' | 'created_at'>;

/** A merchant's stores, oldest first. */
export function locationsOfMerchant(db: Q, merchantId: number): Promise<Location[]> {
  return repo.locationsOf(db, merchantId);
}

/** The stores of several merchants (one query), oldest first. */
export function locationsOfMerchants(db: Q, merchantIds: readonly number[]): Promise<Location[]> {
  return repo.locationsOfMany(db, merchantIds);
}

/** One store by id, whatever its merchant. */
export function findLocationById(db: Q, id: number): Promise<Location | undefined> {
  return repo.findById(db, id);
}

/** Stores by id (one query); unknown ids are left out. */
export function findLocationsByIds(db: Q, ids: readonly number[]): Promise<Location[]> {
  return repo.findByIds(db, ids);
}

/** One store of this merchant (another merchant's store is undefined, as an unknown id). */
export function findMerchantLocation(db: Q, merchantId: number, id: number): Promise<Location | undefined> {
  return repo.findOfMerchant(db, merchantId, id);
}

/** One store of this merchant by its code. */
export function findLocationByCode(db: Q, merchantId: number, code: string): Promise<Location | undefined> {
  return repo.findByCode(db, merchantId, code);
}

/**
 * The default store among a merchant's stores (as listed by `locationsOfMerchant`): the one flagged
 * `is_default`, else the oldest (lowest id); undefined when the merchant has no store.
 */
export function defaultLocationOf<T extends { id: number; is_default?: number }>(
  locations: Iterable<T>,
): T | undefined {
  let oldest: T | undefined;
  for (const l of locations) {
    if (l.is_default === 1) return l;
    if (!oldest || l.id < oldest.id) oldest = l;
  }
  return oldest;
}

/** The merchant's default store (see `defaultLocationOf`), or undefined when it has none. */
export async function defaultLocation(db: Q, merchantId: number): Promise<Location | undefined> {
  return defaultLocationOf(await repo.locationsOf(db, merchantId));
}

/** The town of each merchant's first store (by id), `''` when it has none. */
export async function merchantTowns(db: Q, merchantIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const l of await repo.locationsOfMany(db, merchantIds))
    if (!out.has(l.merchant_id)) out.set(l.merchant_id, l.municipality);
  return out;
}

/**
 * Problems with a store code typed in the back-office (format, already used by another store of
 * the same merchant), as field issues on `code`; empty when the code can be saved.
 */
export async function locationCodeIssues(
  db: Q,
  merchantId: number,
  locationId: number | undefined,
  code: string,
): Promise<FieldIssue[]> {
  if (!code) return [{ field: 'code', message: 'field.required' }];
  if (!LOCATION_CODE_PATTERN.test(code)) return [{ field: 'code', message: 'location.code_invalid' }];
  return (await repo.codeUsedElsewhere(db, merchantId, code, locationId))
    ? [{ field: 'code', message: 'location.code_taken', params: { code } }]
    : [];
}

/**
 * Sets a store's code and, when `makeDefault`, makes it the merchant's default store (the others
 * lose the flag). Call `locationCodeIssues` first; run both in the caller's transaction.
 */
export async function setLocationCodeAndDefault(
  db: Q,
  merchantId: number,
  locationId: number,
  opts: { code?: string; makeDefault?: boolean },
): Promise<void> {
  if (opts.code) await repo.updateLocation(db, merchantId, locationId, { code: opts.code });
  if (opts.makeDefault) await repo.setDefault(db, merchantId, locationId);
}

/**
 * Adds a store to a merchant. Without a `code`, it gets a unique generated one
 * (`magasin-<n>-<time>`) that the owner can rename later.
 */
export async function addLocation(
  db: Q,
  merchantId: number,
  values: LocationValues & { code?: string },
): Promise<number> {
  const code =
    values.code ?? `magasin-${(await repo.countOf(db, merchantId)) + 1}-${Date.now().toString(36)}`;
  const row = await repo.insertLocation(db, { ...values, merchant_id: merchantId, code });
  return row.id;
}

/** Edits one store of the merchant; another merchant's store or an unknown id is `not_found`. */
export async function updateLocation(
  db: Q,
  merchantId: number,
  locationId: number,
  values: Partial<LocationValues>,
): Promise<void> {
  if ((await repo.updateLocation(db, merchantId, locationId, values)) !== 1) throw notFound('location');
}

/* ------------------------------------------------------------------ fulfilment settings */

/**
 * A store's delivery settings: its zones, or for a row never given zones (written before
 * migration 039 or by an older writer) the legacy radius and fee as one radius zone.
 */
export function deliverySettingsOf(row: {
  delivery_zones_json?: string | null;
  delivery_radius_km: number;
  delivery_fee_cents: number;
}): DeliverySettings {
  if (row.delivery_zones_json) {
    try {
      const v = JSON.parse(row.delivery_zones_json) as Partial<DeliverySettings>;
      return {
        enabled: v.enabled === true,
        radius_km: typeof v.radius_km === 'number' && v.radius_km > 0 ? v.radius_km : null,
        zones: Array.isArray(v.zones)
          ? v.zones.map((z) => ({
              towns: z.towns ?? [],
              postal_prefixes: z.postal_prefixes ?? [],
              fee_cents: z.fee_cents,
              ...(z.min_order_cents ? { min_order_cents: z.min_order_cents } : {}),
            }))
          : [],
      };
    } catch {
      // An unreadable value offers no delivery rather than a wrong fee.
      return { enabled: false, radius_km: null, zones: [] };
    }
  }
  return row.delivery_radius_km > 0
    ? {
        enabled: true,
        radius_km: row.delivery_radius_km,
        zones: [{ towns: [], postal_prefixes: [], fee_cents: row.delivery_fee_cents }],
      }
    : { enabled: false, radius_km: null, zones: [] };
}

/** The fulfilment settings of a store row, in the API's shape. */
export function fulfilmentOf(row: {
  pickup: number;
  preparation_minutes?: number | null;
  delivery_zones_json?: string | null;
  delivery_radius_km: number;
  delivery_fee_cents: number;
}): LocationFulfilment {
  const d = deliverySettingsOf(row);
  return {
    pickup: { enabled: row.pickup === 1, preparation_minutes: row.preparation_minutes ?? null },
    delivery: { enabled: d.enabled, zones: d.zones, radius_km: d.radius_km },
  };
}

/**
 * Validates a store's fulfilment settings (every problem a field issue, e.g.
 * `delivery.zones.0.postal_prefixes.1`) and writes them; nothing is written when one is wrong.
 * Town names are kept as typed (matching folds case and accents). The legacy columns follow:
 * `delivery_radius_km` is the radius when delivery is on (search's delivery filter reads it as the
 * store's reach), `delivery_fee_cents` the lowest zone fee. One function for the back-office, the
 * merchant API and the demo seed.
 */
export async function setLocationFulfilment(
  db: Q,
  merchantId: number,
  locationId: number,
  raw: unknown,
): Promise<LocationFulfilment> {
  const r = locationFulfilmentSchema.safeParse(raw);
  if (!r.success) throw new ValidationError(zodIssues(r.error));
  const v = r.data;
  const settings: DeliverySettings = {
    enabled: v.delivery.enabled,
    radius_km: v.delivery.radius_km ?? null,
    zones: v.delivery.zones.map((z) => ({
      towns: [...new Set(z.towns)],
      postal_prefixes: [...new Set(z.postal_prefixes)],
      fee_cents: z.fee_cents,
      ...(z.min_order_cents ? { min_order_cents: z.min_order_cents } : {}),
    })),
  };
  const changed = await repo.updateLocation(db, merchantId, locationId, {
    pickup: v.pickup.enabled ? 1 : 0,
    preparation_minutes: v.pickup.preparation_minutes ?? null,
    delivery_zones_json: JSON.stringify(settings),
    delivery_radius_km: v.delivery.enabled ? (v.delivery.radius_km ?? 0) : 0,
    delivery_fee_cents: settings.zones.length ? Math.min(...settings.zones.map((z) => z.fee_cents)) : 0,
    updated_at: new Date().toISOString(),
  });
  if (changed !== 1) throw notFound('location');
  return { pickup: v.pickup, delivery: { ...settings } };
}
