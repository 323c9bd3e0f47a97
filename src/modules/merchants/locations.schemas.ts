/** Shapes of a store's fulfilment settings (pickup, delivery zones), as the API and back-office set them. */
import { z } from 'zod';
import { isFsa } from '../geocoding/index.ts';

/** A store code as POS systems and import files carry it: letters, digits, `-`, `_`, `.`. */
export const LOCATION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

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
