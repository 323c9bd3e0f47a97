import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatDistanceNumber, formatMoney, labelColon, t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import { registerAccountSection } from '../../modules/accounts/index.ts';
import { associationsOfMerchant } from '../../modules/associations/index.ts';
import { parseImages } from '../../modules/catalog/index.ts';
import { haversineKm } from '../../modules/common/geo.ts';
import { isOpenAt } from '../../modules/common/hours.ts';
import { isHttpUrl } from '../../modules/common/validation.ts';
import { getPublicMerchant } from '../../modules/directory/index.ts';
import { isFavourite, listFavourites, setFavourite } from '../../modules/favourites/index.ts';
import { listMerchantProducts } from '../../modules/inventory/index.ts';
import { findPublicMerchant } from '../../modules/merchants/index.ts';
import { geoQuery, reference, resolvePoint } from '../../modules/search/index.ts';
import { getSessionUser, requireUser } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { UpcomingClosures } from './components/closures.ts';
import { DeliveryItems, shopperPlace } from './components/delivery.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { HoursTable, JsonLd, Money, Pager, QuebecBadge, StockBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { sendHtml } from './page-context.ts';
import { pointQuery } from './product.routes.ts';

const params = z.object({ lang: z.enum(['fr', 'en']), slug: z.string().min(1).max(120) });
const favouriteBody = z.object({ favourite: z.enum(['0', '1']), _csrf: z.string().optional() });
const query = z.object({ page: z.coerce.number().int().min(1).max(10000).default(1), ...geoQuery });
const PER_PAGE = 24;

export default async function merchantPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  registerAccountSection('favourites', 20, async ({ userId, lang }) => {
    const rows = await listFavourites(db, userId);
    return html`<section aria-labelledby="fav-h">
      <h2 id="fav-h">${t(lang, 'favourites.title')}</h2>
      ${
        rows.length
          ? html`<ul>
            ${rows.map((m) => html`<li><a href=${`/${lang}/m/${m.slug}`}>${m.display_name}</a></li>`)}
          </ul>`
          : html`<p>${t(lang, 'favourites.none')}</p>`
      }
    </section>`;
  });

  // Add or remove a favourite merchant (signed-in customers; a plain form, CSRF-protected).
  app.post(
    '/:lang/m/:slug/favori',
    { schema: { hide: true, params, body: favouriteBody }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const { lang, slug } = req.params as z.infer<typeof params>;
      const user = await requireUser(req, reply, ctx);
      const m = await getPublicMerchant(db, slug);
      if (!m) throw notFound('merchant');
      await setFavourite(db, user.id, m.id, (req.body as z.infer<typeof favouriteBody>).favourite === '1');
      return reply.redirect(`/${lang}/m/${m.slug}`, 303);
    },
  );

  app.get('/:lang/m/:slug', { schema: { hide: true, params, querystring: query } }, async (req, reply) => {
    const { lang, slug } = req.params as z.infer<typeof params>;
    const { page, lat, lng, near } = req.query as z.infer<typeof query>;
    // The public profile without its categories, which this page does not show: two queries fewer
    // (the merchant's category ids and the whole category list) than getPublicMerchant.
    const found = await findPublicMerchant(db, slug);
    if (!found) throw notFound('merchant');
    const m = { ...found, associations: await associationsOfMerchant(db, found.id) };
    // The shopper's point (from the search or a product page): stores nearest first, links keep it.
    const keep = pointQuery({ lat, lng, near });
    const ref = keep ? await reference(ctx.database) : undefined;
    const point = ref ? await resolvePoint(ctx.database, ref, { lat, lng, near }) : undefined;
    // Whether each store delivers to the shopper's place (its zones: towns, postal prefixes, radius).
    const shopper = ref ? shopperPlace(ref, point) : undefined;
    const distance = (l: { lat: number; lng: number }) =>
      point ? haversineKm(point.lat, point.lng, l.lat, l.lng) : 0;
    m.locations.sort((a, b) => distance(a) - distance(b) || a.id - b.id);
    const products = await listMerchantProducts(db, m.id, { limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const pages = Math.max(1, Math.ceil(products.total / PER_PAGE));
    const base = `/${lang}/m/${m.slug}`;
    const description = lang === 'fr' ? m.description_fr : m.description_en || m.description_fr;
    const pc = await pageContext(req, reply, ctx, lang, {
      title: m.display_name,
      description: description.slice(0, 160) || undefined,
      ...mapAssets,
      head: JsonLd({
        '@context': 'https://schema.org',
        '@type': 'LocalBusiness',
        name: m.display_name,
        legalName: m.legal_name,
        url: isHttpUrl(m.website) ? m.website : undefined,
        telephone: m.phone ?? undefined,
        description: description || undefined,
        address: m.locations.map((l) => ({
          '@type': 'PostalAddress',
          streetAddress: l.address_line,
          addressLocality: l.municipality,
          postalCode: l.postal_code ?? undefined,
          addressRegion: 'QC',
          addressCountry: 'CA',
        })),
        geo: m.locations[0]
          ? { '@type': 'GeoCoordinates', latitude: m.locations[0].lat, longitude: m.locations[0].lng }
          : undefined,
      }),
    });
    const now = new Date();
    const open = m.locations.some((l) => isOpenAt(l.hours, now, pc.region.timezone));
    const user = await getSessionUser(req, ctx);
    const favourite = user ? await isFavourite(db, user.id, m.id) : false;
    const body = html`
      <article class="merchant">
        <header class="merchant-head">
          <h1>${m.display_name}</h1>
          <p class=${open ? 'open' : 'closed'}>${t(lang, open ? 'merchant.open_now' : 'merchant.closed_now')}</p>
          ${description ? html`<p>${description}</p>` : null}
          ${
            m.associations.length
              ? html`<p>
                ${labelColon(lang, t(lang, 'merchant.associations'))}${' '}
                ${m.associations.map((a, i) => html`${i ? ', ' : ''}<a href=${`/${lang}/a/${a.slug}`}>${a.name}</a>`)}
              </p>`
              : null
          }
          ${
            isHttpUrl(m.website)
              ? html`<p><a class="button" href=${m.website} rel="noopener external">${t(lang, 'merchant.website')}</a></p>`
              : null
          }
          ${
            user
              ? html`<form method="post" action=${`/${lang}/m/${m.slug}/favori`} class="favourite">
                  <input type="hidden" name="_csrf" value=${reply.generateCsrf()} />
                  <input type="hidden" name="favourite" value=${favourite ? '0' : '1'} />
                  <button type="submit" class="button secondary" aria-pressed=${favourite ? 'true' : 'false'}>
                    ${t(lang, favourite ? 'favourites.remove' : 'favourites.add')}
                  </button>
                </form>`
              : null
          }
        </header>
        <section aria-labelledby="loc-h">
          <h2 id="loc-h">${t(lang, 'merchant.locations')}</h2>
          <div class="locations">
            ${m.locations.map(
              (l) => html`<div class="location">
                <h3>${l.name}</h3>
                <p>${l.address_line}, ${l.municipality} ${l.postal_code ?? ''}${
                  point
                    ? html` · <span class="distance">${t(lang, 'product.distance', { km: formatDistanceNumber(distance(l), lang) })}</span>`
                    : null
                }</p>
                <ul class="fulfilment">
                  ${l.pickup ? html`<li>${t(lang, 'merchant.pickup')}</li>` : null}
                  ${DeliveryItems(lang, l, shopper)}
                </ul>
                ${HoursTable(lang, l.hours)}
                ${UpcomingClosures(lang, l.closures, pc.region.timezone)}
              </div>`,
            )}
          </div>
          ${MapBox(
            pc,
            m.locations.map((l) => ({ lat: l.lat, lng: l.lng, label: l.name })),
            t(lang, 'merchant.locations'),
          )}
        </section>
        <section aria-labelledby="prod-h">
          <h2 id="prod-h">${t(lang, 'merchant.products')}</h2>
          ${products.items.length === 0 ? html`<p>${t(lang, 'merchant.no_products')}</p>` : null}
          <ul class="products">
            ${products.items.map((p) => {
              const img = parseImages(p.images_json)[0];
              return html`<li class="product-card">
                ${img ? html`<img src=${img.url} alt="" width=${img.width} height=${img.height} loading="lazy" />` : null}
                <a href=${`/${lang}/p/${p.id}${keep}`}>${lang === 'fr' ? p.title_fr : p.title_en || p.title_fr}</a>
                ${p.price_from ? t(lang, 'variants.from_price', { price: formatMoney(p.price_cents, lang) }) : Money(lang, p.price_cents)} ${QuebecBadge(lang, p.quebec_label)}
                ${StockBadge(lang, p.available, { 'data-stock-product': p.id })}
              </li>`;
            })}
          </ul>
          ${Pager(lang, page, pages, (p) => `${base}?page=${p}`)}
        </section>
      </article>
    `;
    return sendHtml(reply, renderDocument(Layout(pc, body)));
  });
}
