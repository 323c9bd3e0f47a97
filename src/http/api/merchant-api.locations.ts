/** Merchant API: the merchant's own profile and stores, and a store's pickup and delivery settings. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import {
  defaultLocationOf,
  findLocationByCode,
  fulfilmentOf,
  getMerchant,
  locationFulfilmentSchema,
  locationsOfMerchant,
  setLocationFulfilment,
} from '../../modules/merchants/index.ts';
import type { AppContext } from '../context.ts';
import {
  errorSchema,
  merchantOf,
  merchantRateLimit,
  rowsCheckedByModule,
  security,
} from './merchant-api.auth.ts';

const locationSchema = z.object({
  id: z.number().int(),
  code: z.string(),
  name: z.string(),
  address_line: z.string(),
  municipality: z.string(),
  postal_code: z.string().nullable(),
  lat: z.number(),
  lng: z.number(),
  pickup: z.number().int(),
  delivery_radius_km: z.number(),
  delivery_fee_cents: z.number().int(),
  is_default: z
    .boolean()
    .meta({ description: 'The default store: stock rows without location_code go there' }),
  fulfilment: locationFulfilmentSchema.meta({
    description:
      'Pickup and delivery as set by PUT /api/v1/merchant/locations/{location_code} (or the back-office)',
  }),
});
const profileSchema = z
  .object({
    id: z.number().int(),
    slug: z.string(),
    name: z.string(),
    legal_name: z.string(),
    status: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    website: z.string().nullable(),
    description_fr: z.string(),
    description_en: z.string(),
    locations: z.array(locationSchema),
  })
  .meta({
    id: 'MerchantProfile',
    example: {
      id: 1,
      slug: 'erabliere-du-lac',
      name: 'Érablière du Lac',
      legal_name: 'Érablière du Lac inc.',
      status: 'approved',
      email: null,
      phone: null,
      website: 'https://erabliere.example',
      description_fr: 'Sirop d’érable depuis 1952.',
      description_en: 'Maple syrup since 1952.',
      locations: [
        {
          id: 1,
          code: 'principal',
          name: 'Érablière du Lac',
          address_line: '123 rue Principale',
          municipality: 'Aylmer',
          postal_code: 'J9H 3L5',
          lat: 45.3956,
          lng: -75.8436,
          pickup: 1,
          delivery_radius_km: 10,
          delivery_fee_cents: 500,
          is_default: true,
          fulfilment: {
            pickup: { enabled: true, preparation_minutes: 30 },
            delivery: {
              enabled: true,
              zones: [
                { towns: ['Aylmer'], postal_prefixes: ['J9H', 'J9J'], fee_cents: 400 },
                { towns: ['Hull'], postal_prefixes: [], fee_cents: 600, min_order_cents: 2500 },
              ],
              radius_km: null,
            },
          },
        },
      ],
    },
  });

/** GET /api/v1/merchant and PUT /api/v1/merchant/locations/{location_code}. */
export function registerMerchantProfileRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = ctx.database;
  r.get(
    '/api/v1/merchant',
    {
      config: { rateLimit: merchantRateLimit },
      schema: {
        tags: ['merchant'],
        operationId: 'getMerchantProfile',
        summary: 'Own merchant profile',
        description: 'The profile and store locations of the merchant owning the API key.',
        security,
        response: { 200: profileSchema, 401: errorSchema },
      },
    },
    async (req) => {
      const id = merchantOf(req);
      const [m, locations] = await Promise.all([getMerchant(db, id), locationsOfMerchant(db, id)]);
      const defaultId = defaultLocationOf(locations)?.id;
      // Named fields only: the rows hold more (tax numbers, settings) than the API shows.
      return {
        id: m.id,
        slug: m.slug,
        name: m.display_name,
        legal_name: m.legal_name,
        status: m.status,
        email: m.email,
        phone: m.phone,
        website: m.website,
        description_fr: m.description_fr,
        description_en: m.description_en,
        locations: locations.map((l) => ({
          id: l.id,
          code: l.code,
          name: l.name,
          address_line: l.address_line,
          municipality: l.municipality,
          postal_code: l.postal_code,
          lat: l.lat,
          lng: l.lng,
          pickup: l.pickup,
          delivery_radius_km: l.delivery_radius_km,
          delivery_fee_cents: l.delivery_fee_cents,
          is_default: l.id === defaultId,
          fulfilment: fulfilmentOf(l),
        })),
      };
    },
  );

  r.put(
    '/api/v1/merchant/locations/:location_code',
    {
      config: { rateLimit: merchantRateLimit },
      // Checked by the module: every problem comes back as a translated field error.
      validatorCompiler: rowsCheckedByModule,
      schema: {
        tags: ['merchant'],
        operationId: 'updateLocationFulfilment',
        summary: 'Set a store’s pickup and delivery',
        description:
          'Pickup (enabled, preparation_minutes) and delivery: zones by towns (names, case and accents ignored) and/or postal prefixes (FSA, 3 characters), each with fee_cents and an optional min_order_cents (subtotal before discount and taxes); a zone with neither covers radius_km around the store and needs a geocoder (GEOCODER_URL) to be offered. An address covered by several zones pays the lowest fee. The same settings as the back-office store page; the whole body replaces the store’s fulfilment.',
        security,
        params: z.object({ location_code: z.string().min(1).max(40) }),
        body: locationFulfilmentSchema,
        response: { 200: locationFulfilmentSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const merchantId = merchantOf(req);
      const { location_code } = req.params as { location_code: string };
      const loc = await findLocationByCode(db, merchantId, location_code);
      if (!loc) throw notFound('location');
      return setLocationFulfilment(db, merchantId, loc.id, req.body);
    },
  );
}
