import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatMoney, t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import { productWithOffers } from '../../modules/search/index.ts';
import { productQuery } from '../../modules/search/search.schemas.ts';
import type { AppContext } from '../context.ts';
import { AddToCartForm } from './cart.routes.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { HoursTable, JsonLd, Money, QuebecBadge, StockBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { sendHtml } from './page-context.ts';

const params = z.object({ lang: z.enum(['fr', 'en']), id: z.coerce.number().int().positive() });

export default async function productPageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get(
    '/:lang/p/:id',
    { schema: { hide: true, params, querystring: productQuery } },
    async (req, reply) => {
      const { lang, id } = req.params as z.infer<typeof params>;
      const found = await productWithOffers(ctx.database, id, req.query as z.infer<typeof productQuery>);
      if (!found) throw notFound('product');
      const p = found.product;
      // Offers of the same GTIN at other merchants, nearest first (the merchant's own are listed above them).
      const others = found.offers.filter((o) => o.product_id !== p.id);
      const km = (d: number) =>
        d.toLocaleString(lang === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 1 });
      const ownDistance = new Map(
        found.offers.filter((o) => o.product_id === p.id).map((o) => [o.location.id, o.location.distance_km]),
      );
      const csrf = reply.generateCsrf();
      const title = lang === 'fr' ? p.title_fr : p.title_en || p.title_fr;
      const description = lang === 'fr' ? p.description_fr : p.description_en || p.description_fr;
      const img = p.images[0];
      const pc = await pageContext(req, reply, ctx, lang, {
        title,
        description: description.slice(0, 160) || undefined,
        ...mapAssets,
        head: JsonLd({
          '@context': 'https://schema.org',
          '@type': 'Product',
          name: title,
          description: description || undefined,
          sku: p.sku,
          gtin: p.gtin ?? undefined,
          brand: p.brand ? { '@type': 'Brand', name: p.brand } : undefined,
          image: img?.url,
          offers: p.offers.map((o) => ({
            '@type': 'Offer',
            price: (p.price_cents / 100).toFixed(2),
            priceCurrency: 'CAD',
            availability: o.available > 0 ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
            inventoryLevel: { '@type': 'QuantitativeValue', value: o.available },
            availableAtOrFrom: {
              '@type': 'Place',
              name: o.name,
              address: `${o.address_line}, ${o.municipality}`,
            },
            seller: { '@type': 'LocalBusiness', name: p.merchant_name },
          })),
        }),
      });
      const body = html`
      <article class="product" data-product-id=${p.id}>
        <div class="product-media">
          ${img ? html`<img src=${img.url} alt=${title} width=${img.width} height=${img.height} />` : html`<div class="no-image" aria-hidden="true">⚜</div>`}
        </div>
        <div class="product-info">
          <h1>${title}</h1>
          <p class="price">${Money(lang, p.price_cents)}</p>
          <p>${QuebecBadge(lang, p.quebec_label, p.quebec_label_verified)}</p>
          <p>${t(lang, 'product.sold_by_label')} <a href=${`/${lang}/m/${p.merchant_slug}`}>${p.merchant_name}</a></p>
          ${description ? html`<p class="description">${description}</p>` : null}
          <dl class="facts">
            ${p.brand ? html`<dt>${t(lang, 'product.brand')}</dt><dd>${p.brand}</dd>` : null}
            ${p.category_slug ? html`<dt>${t(lang, 'product.category')}</dt><dd>${lang === 'fr' ? p.category_name_fr : p.category_name_en}</dd>` : null}
            ${p.gtin ? html`<dt>${t(lang, 'product.gtin')}</dt><dd>${p.gtin}</dd>` : null}
          </dl>
        </div>
        <section class="offers" aria-labelledby="offers-h">
          <h2 id="offers-h">${t(lang, 'product.offers')}</h2>
          <ul>
            ${p.offers.map(
              (o) => html`<li class="offer">
                <h3>${p.merchant_name} — ${o.name}</h3>
                <p>${o.address_line}, ${o.municipality} · ${t(lang, 'product.distance', { km: km(ownDistance.get(o.location_id) ?? 0) })}</p>
                <p>${StockBadge(lang, o.available, { 'data-stock-product': p.id, 'data-stock-location': o.location_id })}</p>
                ${o.available > 0 ? AddToCartForm(lang, p.id, o.location_id, csrf) : null}
                <ul class="fulfilment">
                  ${o.pickup ? html`<li>${t(lang, 'merchant.pickup')}</li>` : null}
                  ${o.delivery_radius_km > 0 ? html`<li>${t(lang, 'merchant.delivery', { km: o.delivery_radius_km, fee: formatMoney(o.delivery_fee_cents, lang) })}</li>` : null}
                </ul>
                <details><summary>${t(lang, 'merchant.locations')}</summary>${HoursTable(lang, o.hours)}</details>
              </li>`,
            )}
          </ul>
          ${
            others.length
              ? html`<h2 id="others-h">${t(lang, 'product.other_merchants')}</h2>
                <ul aria-labelledby="others-h">
                  ${others.map(
                    (o) => html`<li class="offer">
                      <h3><a href=${`/${lang}/p/${o.product_id}`}>${o.merchant.name} — ${o.location.name}</a></h3>
                      <p>${o.location.address} · ${t(lang, 'product.distance', { km: km(o.location.distance_km) })}</p>
                      <p>${Money(lang, o.price_cents)}</p>
                      <p>${StockBadge(lang, o.available, { 'data-stock-product': o.product_id, 'data-stock-location': o.location.id })}</p>
                      ${o.available > 0 ? AddToCartForm(lang, o.product_id, o.location.id, csrf) : null}
                    </li>`,
                  )}
                </ul>`
              : null
          }
          ${MapBox(
            pc,
            [
              ...p.offers.map((o) => ({ lat: o.lat, lng: o.lng, label: `${p.merchant_name} — ${o.name}` })),
              ...others.map((o) => ({
                lat: o.location.lat,
                lng: o.location.lng,
                label: `${o.merchant.name} — ${o.location.name}`,
                href: `/${lang}/p/${o.product_id}`,
              })),
            ],
            t(lang, 'product.offers'),
          )}
        </section>
      </article>
    `;
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    },
  );
}
