import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatMoney, t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import { getPublicProduct } from '../../modules/catalog/index.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { HoursTable, JsonLd, Money, QuebecBadge, StockBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { sendHtml } from './page-context.ts';

const params = z.object({ lang: z.enum(['fr', 'en']), id: z.coerce.number().int().positive() });

export default async function productPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  app.get('/:lang/p/:id', { schema: { hide: true, params } }, async (req, reply) => {
    const { lang, id } = req.params as z.infer<typeof params>;
    const p = await getPublicProduct(db, id);
    if (!p) throw notFound('product');
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
                <p>${o.address_line}, ${o.municipality}</p>
                <p>${StockBadge(lang, o.available, { 'data-stock-product': p.id, 'data-stock-location': o.location_id })}</p>
                <ul class="fulfilment">
                  ${o.pickup ? html`<li>${t(lang, 'merchant.pickup')}</li>` : null}
                  ${o.delivery_radius_km > 0 ? html`<li>${t(lang, 'merchant.delivery', { km: o.delivery_radius_km, fee: formatMoney(o.delivery_fee_cents, lang) })}</li>` : null}
                </ul>
                <details><summary>${t(lang, 'merchant.locations')}</summary>${HoursTable(lang, o.hours)}</details>
              </li>`,
            )}
          </ul>
          ${MapBox(
            pc,
            p.offers.map((o) => ({ lat: o.lat, lng: o.lng, label: `${p.merchant_name} — ${o.name}` })),
            t(lang, 'product.offers'),
          )}
        </section>
      </article>
    `;
    return sendHtml(reply, renderDocument(Layout(pc, body)));
  });
}
