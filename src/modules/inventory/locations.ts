/**
 * Store codes and the merchant's default store. Stock rows without `location_code` (POS sync,
 * imports) go to the default store, so adding a store never breaks an integration.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import { zodIssues } from '../common/validation.ts';
import { isFsa } from '../geocoding/index.ts';
import './locations.tables.ts';

/** A store code as POS systems and import files carry it: letters, digits, `-`, `_`, `.`. */
export const LOCATION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/**
 * The default store among a merchant's stores (as listed by `merchantLocations`): the one flagged
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

/**
 * Problems with a store code typed in the back-office (format, already used by another store of
 * the same merchant), as field issues on `code`; empty when the code can be saved.
 */
export async function locationCodeIssues(
  db: Kysely<DB>,
  merchantId: number,
  locationId: number | undefined,
  code: string,
): Promise<FieldIssue[]> {
  if (!code) return [{ field: 'code', message: 'field.required' }];
  if (!LOCATION_CODE_PATTERN.test(code)) return [{ field: 'code', message: 'location.code_invalid' }];
  let q = db
    .selectFrom('locations')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('code', '=', code);
  if (locationId !== undefined) q = q.where('id', '!=', locationId);
  return (await q.executeTakeFirst())
    ? [{ field: 'code', message: 'location.code_taken', params: { code } }]
    : [];
}

/**
 * Sets a store's code and, when `makeDefault`, makes it the merchant's default store (the others
 * lose the flag). Call `locationCodeIssues` first; run both in the caller's transaction.
 */
export async function setLocationCodeAndDefault(
  db: Kysely<DB>,
  merchantId: number,
  locationId: number,
  opts: { code?: string; makeDefault?: boolean },
): Promise<void> {
  if (opts.code)
    await db
      .updateTable('locations')
      .set({ code: opts.code })
      .where('merchant_id', '=', merchantId)
      .where('id', '=', locationId)
      .execute();
  if (opts.makeDefault) {
    // Clear first: the partial unique index allows one flagged store per merchant at any time.
    await db
      .updateTable('locations')
      .set({ is_default: 0 })
      .where('merchant_id', '=', merchantId)
      .where('id', '!=', locationId)
      .execute();
    await db
      .updateTable('locations')
      .set({ is_default: 1 })
      .where('merchant_id', '=', merchantId)
      .where('id', '=', locationId)
      .execute();
  }
}

/* ------------------------------------------------------------------ fulfilment settings */

/**
 * One delivery zone: the towns and/or postal prefixes (FSA, 3 characters) it covers, its fee and
 * an optional minimum order (subtotal before discount and taxes). A zone naming neither towns nor
 * prefixes covers the store's radius (`radius_km`), reached only through a geocoder.
 */
export const deliveryZoneSchema = z.object({
  towns: z.array(z.string().trim().min(1).max(100)).max(200).default([]),
  postal_prefixes: z
    .array(z.string().trim().toUpperCase().refine(isFsa, 'delivery.prefix_invalid'))
    .max(500)
    .default([]),
  fee_cents: z.number().int().min(0).max(100_000),
  min_order_cents: z.number().int().min(0).max(10_000_000).nullable().optional(),
});
export type DeliveryZone = z.infer<typeof deliveryZoneSchema>;

/** A store's fulfilment as the back-office and `PUT /api/v1/merchant/locations/{code}` set it. */
export const locationFulfilmentSchema = z
  .object({
    pickup: z.object({
      enabled: z.boolean(),
      preparation_minutes: z.number().int().min(0).max(10_080).nullable().optional(),
    }),
    delivery: z.object({
      enabled: z.boolean(),
      zones: z.array(deliveryZoneSchema).max(50).default([]),
      radius_km: z.number().min(0.5).max(200).nullable().optional(),
    }),
  })
  .superRefine((v, c) => {
    v.delivery.zones.forEach((zone, i) => {
      if (!zone.towns.length && !zone.postal_prefixes.length && !v.delivery.radius_km)
        c.addIssue({
          code: 'custom',
          path: ['delivery', 'zones', i, 'towns'],
          message: 'delivery.zone_needs_area',
        });
    });
    if (v.delivery.enabled && !v.delivery.zones.length)
      c.addIssue({ code: 'custom', path: ['delivery', 'zones'], message: 'delivery.zones_required' });
  });
export type LocationFulfilment = z.infer<typeof locationFulfilmentSchema>;

export interface DeliverySettings {
  enabled: boolean;
  radius_km: number | null;
  zones: DeliveryZone[];
}

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
 * store's reach),
 * `delivery_fee_cents` the lowest zone fee. One function for the back-office, the merchant API
 * and the demo seed.
 */
export async function setLocationFulfilment(
  db: Kysely<DB>,
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
  const res = await db
    .updateTable('locations')
    .set({
      pickup: v.pickup.enabled ? 1 : 0,
      preparation_minutes: v.pickup.preparation_minutes ?? null,
      delivery_zones_json: JSON.stringify(settings),
      delivery_radius_km: v.delivery.enabled ? (v.delivery.radius_km ?? 0) : 0,
      delivery_fee_cents: settings.zones.length ? Math.min(...settings.zones.map((z) => z.fee_cents)) : 0,
      updated_at: new Date().toISOString(),
    })
    .where('merchant_id', '=', merchantId)
    .where('id', '=', locationId)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) throw notFound('location');
  return { pickup: v.pickup, delivery: { ...settings } };
}
