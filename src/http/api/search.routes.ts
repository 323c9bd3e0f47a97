import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import { optionsObject } from '../../modules/catalog/index.ts';
import { isHttpUrl } from '../../modules/common/validation.ts';
import { getPublicMerchant } from '../../modules/directory/index.ts';
import {
  listMerchants,
  merchantsQuery,
  productQuery,
  productWithOffers,
  search,
  searchQuery,
  suggest,
  suggestQuery,
} from '../../modules/search/index.ts';
import type { AppContext } from '../context.ts';
import {
  merchantListResponse,
  productResponse,
  publicMerchantResponse,
  refused,
  searchResponse,
  suggestResponse,
} from './responses.ts';

/** Consumer discovery API: search, suggest, merchants directory and profile, product with offers. */
export default async function searchApiRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { database } = ctx;

  r.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        operationId: 'searchProducts',
        summary: 'Products offered near a point',
        querystring: searchQuery,
        response: { 200: searchResponse, '4xx': refused },
      },
    },
    async (req) => search(database, req.query),
  );

  r.get(
    '/api/v1/suggest',
    {
      schema: {
        tags: ['search'],
        operationId: 'suggest',
        summary: 'As-you-type suggestions',
        querystring: suggestQuery,
        response: { 200: suggestResponse, '4xx': refused },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return suggest(database, req.query.q ?? '', req.query.lang ?? 'fr');
    },
  );

  r.get(
    '/api/v1/merchants',
    {
      schema: {
        tags: ['search'],
        operationId: 'listMerchants',
        summary: 'Merchants near a point',
        querystring: merchantsQuery,
        response: { 200: merchantListResponse, '4xx': refused },
      },
    },
    async (req) => listMerchants(database, req.query),
  );

  r.get(
    '/api/v1/merchants/:slug',
    {
      schema: {
        tags: ['search'],
        operationId: 'getMerchant',
        summary: 'Merchant profile: locations, hours, fulfilment options',
        params: z.object({ slug: z.string().min(1).max(200) }),
        response: { 200: publicMerchantResponse, '4xx': refused },
      },
    },
    async (req) => {
      const m = await getPublicMerchant(database.db, req.params.slug);
      if (!m) throw notFound('merchant');
      return {
        id: m.id,
        slug: m.slug,
        name: m.display_name,
        description_fr: m.description_fr,
        description_en: m.description_en,
        // Rows saved before http(s)-only validation may hold another scheme: never hand it out.
        website: isHttpUrl(m.website) ? m.website : null,
        phone: m.phone,
        logo_url: m.logo_url,
        associations: m.associations,
        categories: m.categories,
        locations: m.locations.map((l) => ({
          id: l.id,
          code: l.code,
          name: l.name,
          address: l.address_line,
          municipality: l.municipality,
          postal_code: l.postal_code,
          lat: l.lat,
          lng: l.lng,
          hours: l.hours,
          fulfilment: {
            pickup: Boolean(l.pickup),
            delivery: l.delivery_radius_km > 0,
            delivery_radius_km: l.delivery_radius_km,
            delivery_fee_cents: l.delivery_fee_cents,
          },
        })),
      };
    },
  );

  r.get(
    '/api/v1/products/:product_id',
    {
      schema: {
        tags: ['search'],
        operationId: 'getProduct',
        summary: 'A product with its offers (availability per location, same GTIN elsewhere)',
        response: { 200: productResponse, '4xx': refused },
        params: z.object({
          product_id: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 31 - 1),
        }),
        querystring: productQuery,
      },
    },
    async (req) => {
      const lang = req.query.lang ?? 'fr';
      const r = await productWithOffers(database, req.params.product_id, req.query);
      if (!r) throw notFound('product');
      const p = r.product;
      return {
        product_id: p.id,
        sku: p.sku,
        title: lang === 'en' ? p.title_en || p.title_fr : p.title_fr,
        title_fr: p.title_fr,
        title_en: p.title_en,
        description: lang === 'en' ? p.description_en || p.description_fr : p.description_fr,
        price_cents: p.price_cents,
        price_from: p.price_from,
        currency: 'CAD',
        gtin: p.gtin,
        brand: p.brand,
        category: p.category_slug,
        quebec_label: p.quebec_label,
        quebec_label_verified: p.quebec_label_verified,
        tax_class: p.tax_class,
        images: p.images,
        url: `/${lang}/p/${p.id}`,
        merchant: { id: p.merchant_id, slug: p.merchant_slug, name: p.merchant_name },
        point: r.point,
        offers: r.offers.map((o) => ({
          product_id: o.product_id,
          price_cents: o.price_cents,
          merchant: o.merchant,
          location: {
            id: o.location.id,
            name: o.location.name,
            address: o.location.address,
            lat: o.location.lat,
            lng: o.location.lng,
            distance_km: o.location.distance_km,
            pickup: o.location.pickup,
            delivery_radius_km: o.location.delivery_radius_km,
          },
          available: o.available,
        })),
        variants: p.variants.map((v) => ({
          variant_id: v.variant_id,
          sku: v.sku,
          options: optionsObject(v.options),
          price_cents: v.price_cents,
          gtin: v.gtin,
          offers: v.offers,
        })),
      };
    },
  );
}
