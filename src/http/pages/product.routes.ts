import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatCount, formatDistanceNumber, formatMoney, labelColon, t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import { sellsOnline } from '../../modules/cart/index.ts';
import {
  productQuery,
  productWithOffers,
  reference,
  type StoreContact,
  storeContacts,
} from '../../modules/search/index.ts';
import type { AppContext } from '../context.ts';
import { AddToCartForm } from './cart.routes.ts';
import { pageContext } from './common.ts';
import { DeliveryItems, shopperPlace } from './components/delivery.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { HoursTable, JsonLd, Money, Pager, QuebecBadge, StockBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { sendHtml } from './page-context.ts';
import { VariantCartForm, VariantStockTable } from './product-variants.ts';
import { storeName } from './store-name.ts';

const params = z.object({ lang: z.enum(['fr', 'en']), id: z.coerce.number().int().positive() });

/**
 * Other merchants' offers shown on a product page: the nearest, in stock first. A common GTIN has
 * hundreds (355 at most on the 1M region, 22–29 ms of CPU to render them all); `?offers=all` lists
 * every one, OTHERS_PER_PAGE at a time.
 */
export const OTHERS_SHOWN = 12;
export const OTHERS_PER_PAGE = 50;
const pageQuery = productQuery.extend({
  offers: z.enum(['all']).optional(),
  page: z.coerce.number().int().min(1).max(10000).default(1),
});

/** `?lat=&lng=` or `?near=` as the shopper gave it ('' when neither): links keep the point. */
export function pointQuery(q: { lat?: number; lng?: number; near?: string }): string {
  if (q.lat !== undefined && q.lng !== undefined) return `?lat=${q.lat}&lng=${q.lng}`;
  return q.near ? `?near=${encodeURIComponent(q.near)}` : '';
}

/** Instead of "add to cart" at a store with neither pickup nor delivery: how to reach the merchant. */
function ContactMerchant(lang: 'fr' | 'en', st: StoreContact | undefined) {
  const phone = st?.phone || st?.merchant_phone;
  return html`<div class="contact-merchant" role="note">
    <p>${t(lang, 'offer.contact_merchant')}</p>
    <p>
      ${phone ? html`<a href=${`tel:${phone.replace(/[^\d+]/g, '')}`}>${phone}</a>` : null}
      ${phone && st?.merchant_email ? ' · ' : null}
      ${st?.merchant_email ? html`<a href=${`mailto:${st.merchant_email}`}>${st.merchant_email}</a>` : null}
    </p>
  </div>`;
}

/** Which of the other offers are listed: the nearest few of how many, or a page of them all. */
function OthersSummary(lang: 'fr' | 'en', total: number, shown: number, from: number | undefined) {
  if (total <= OTHERS_SHOWN) return null;
  const count = formatCount(total, lang);
  return html`<p class="offers-range">${
    from === undefined
      ? t(lang, 'product.others_nearest', { shown, count })
      : t(lang, 'product.others_range', { from: from + 1, to: from + shown, count })
  }</p>`;
}

export default async function productPageRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/:lang/p/:id', { schema: { hide: true, params, querystring: pageQuery } }, async (req, reply) => {
    const { lang, id } = req.params as z.infer<typeof params>;
    const q = req.query as z.infer<typeof pageQuery>;
    const found = await productWithOffers(ctx.database, id, q);
    if (!found) throw notFound('product');
    const p = found.product;
    // Offers of the same GTIN at other merchants (the merchant's own are listed above them): in
    // stock first, then nearest (the offers come nearest first; the sort is stable).
    const allOthers = found.offers
      .filter((o) => o.product_id !== p.id)
      .sort((a, b) => Number(b.available > 0) - Number(a.available > 0));
    const all = q.offers === 'all' && allOthers.length > OTHERS_SHOWN;
    const pages = Math.max(1, Math.ceil(allOthers.length / OTHERS_PER_PAGE));
    const page = all ? Math.min(q.page, pages) : 1;
    const others = all
      ? allOthers.slice((page - 1) * OTHERS_PER_PAGE, page * OTHERS_PER_PAGE)
      : allOthers.slice(0, OTHERS_SHOWN);
    // The shopper's point travels on: every product and merchant link keeps it (distances from it).
    const keep = pointQuery(q);
    const allHref = (n: number) =>
      `/${lang}/p/${p.id}${keep ? `${keep}&` : '?'}offers=all${n > 1 ? `&page=${n}` : ''}#others-h`;
    // Contacts of the stores shown only (not of every offer of a common GTIN).
    const stores = await storeContacts(ctx.database.db, [
      ...p.offers.map((o) => o.location_id),
      ...others.map((o) => o.location.id),
    ]);
    // Whether each store delivers to the shopper's place (its zones), when a place was given.
    const shopper = keep ? shopperPlace(await reference(ctx.database), found.point) : undefined;
    const buyable = (locationId: number) => {
      const st = stores.get(locationId);
      return st ? sellsOnline(st) : false;
    };
    const km = (d: number) => formatDistanceNumber(d, lang);
    const ownDistance = new Map(
      found.offers.filter((o) => o.product_id === p.id).map((o) => [o.location.id, o.location.distance_km]),
    );
    // The merchant's stores nearest first; the nearest one with stock that can sell is the default.
    const ownOffers = [...p.offers].sort(
      (a, b) =>
        (ownDistance.get(a.location_id) ?? 0) - (ownDistance.get(b.location_id) ?? 0) ||
        a.location_id - b.location_id,
    );
    const nearest = ownOffers.find((o) => o.available > 0 && buyable(o.location_id));
    // A product with variants: each store's "add to cart" chooses the variant (posted as variant_id).
    const multi = p.variants.length > 1;
    const addToCart = (productId: number, locationId: number) =>
      multi && productId === p.id
        ? VariantCartForm(lang, productId, locationId, csrf, p.variants)
        : AddToCartForm(lang, productId, locationId, csrf);
    // Live badges follow one row's stock events: with variants, the variants' table is live instead.
    const live = (locationId: number) =>
      multi ? {} : { 'data-stock-product': p.id, 'data-stock-location': locationId };
    const buyOrContact = (productId: number, locationId: number, available: number) => {
      if (!buyable(locationId)) return ContactMerchant(lang, stores.get(locationId));
      return available > 0 ? addToCart(productId, locationId) : null;
    };
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
          <p class="price">${p.price_from ? t(lang, 'variants.from_price', { price: formatMoney(p.price_cents, lang) }) : Money(lang, p.price_cents)}</p>
          <p>${QuebecBadge(lang, p.quebec_label, p.quebec_label_verified)}</p>
          <p>${t(lang, 'product.sold_by_label')} <a href=${`/${lang}/m/${p.merchant_slug}${keep}`}>${p.merchant_name}</a></p>
          ${
            nearest
              ? html`<div class="default-offer" data-default-location=${nearest.location_id}>
                  <p>${labelColon(lang, t(lang, 'offer.nearest'))} <strong>${nearest.name}</strong> · ${t(lang, 'product.distance', { km: km(ownDistance.get(nearest.location_id) ?? 0) })} ${StockBadge(lang, nearest.available, live(nearest.location_id))}</p>
                  ${addToCart(p.id, nearest.location_id)}
                </div>`
              : null
          }
          ${description ? html`<p class="description">${description}</p>` : null}
          <dl class="facts">
            ${p.brand ? html`<dt>${t(lang, 'product.brand')}</dt><dd>${p.brand}</dd>` : null}
            ${p.category_slug ? html`<dt>${t(lang, 'product.category')}</dt><dd>${lang === 'fr' ? p.category_name_fr : p.category_name_en}</dd>` : null}
            ${p.gtin ? html`<dt>${t(lang, 'product.gtin')}</dt><dd>${p.gtin}</dd>` : null}
          </dl>
        </div>
        <section class="offers" aria-labelledby="offers-h">
          <h2 id="offers-h">${t(lang, 'product.offers')}</h2>
          ${multi ? VariantStockTable(lang, ownOffers, p.variants) : null}
          <ul>
            ${ownOffers.map(
              (o) => html`<li class="offer" data-location=${o.location_id}>
                <h3>${storeName(p.merchant_name, o.name)}</h3>
                <p>${o.address_line}, ${o.municipality} · ${t(lang, 'product.distance', { km: km(ownDistance.get(o.location_id) ?? 0) })}</p>
                <p>${StockBadge(lang, o.available, live(o.location_id))}</p>
                ${o === nearest ? null : buyOrContact(p.id, o.location_id, o.available)}
                <ul class="fulfilment">
                  ${o.pickup ? html`<li>${t(lang, 'merchant.pickup')}</li>` : null}
                  ${DeliveryItems(lang, { ...o, ...stores.get(o.location_id) }, shopper)}
                </ul>
                <details><summary>${t(lang, 'merchant.locations')}</summary>${HoursTable(lang, o.hours)}</details>
              </li>`,
            )}
          </ul>
          ${
            others.length
              ? html`<h2 id="others-h">${t(lang, 'product.other_merchants')}</h2>
                ${OthersSummary(lang, allOthers.length, others.length, all ? (page - 1) * OTHERS_PER_PAGE : undefined)}
                <ul aria-labelledby="others-h">
                  ${others.map(
                    (o) => html`<li class="offer">
                      <h3><a href=${`/${lang}/p/${o.product_id}${keep}`}>${storeName(o.merchant.name, o.location.name)}</a></h3>
                      <p>${o.location.address} · ${t(lang, 'product.distance', { km: km(o.location.distance_km) })}</p>
                      <p>${Money(lang, o.price_cents)}</p>
                      <p>${StockBadge(lang, o.available, { 'data-stock-product': o.product_id, 'data-stock-location': o.location.id })}</p>
                      ${buyOrContact(o.product_id, o.location.id, o.available)}
                    </li>`,
                  )}
                </ul>
                ${all ? Pager(lang, page, pages, allHref) : null}
                ${
                  all
                    ? html`<p class="more-offers"><a href=${`/${lang}/p/${p.id}${keep}#others-h`}>${t(lang, 'product.others_nearest_link')}</a></p>`
                    : allOthers.length > others.length
                      ? html`<p class="more-offers"><a href=${allHref(1)}>${t(lang, 'product.others_all_link', { count: formatCount(allOthers.length, lang) })}</a></p>`
                      : null
                }`
              : null
          }
          ${MapBox(
            pc,
            [
              ...p.offers.map((o) => ({ lat: o.lat, lng: o.lng, label: storeName(p.merchant_name, o.name) })),
              ...others.map((o) => ({
                lat: o.location.lat,
                lng: o.location.lng,
                label: storeName(o.merchant.name, o.location.name),
                href: `/${lang}/p/${o.product_id}${keep}`,
              })),
            ],
            t(lang, 'product.offers'),
          )}
        </section>
      </article>
    `;
    return sendHtml(reply, renderDocument(Layout(pc, body)));
  });
}
