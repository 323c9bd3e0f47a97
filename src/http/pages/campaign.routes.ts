import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import { findAssociationById } from '../../modules/associations/index.ts';
import {
  activeCampaigns,
  campaignFeatured,
  getCampaignBySlug,
  recordVisit,
} from '../../modules/campaigns/index.ts';
import { parseImages } from '../../modules/catalog/index.ts';
import { locationsOfMerchants } from '../../modules/merchants/index.ts';
import type { AppContext } from '../context.ts';
import { CampaignBanner, formatDay } from './campaign-banner.ts';
import { pageContext } from './common.ts';
import { readableOn } from './components/contrast.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { Money, QuebecBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';
import { storeName, storeSuffix } from './store-name.ts';

const slugParams = z.object({ slug: z.string().min(1).max(120) });

/** Campaign landing pages `/fr/campagnes/{slug}`, `/en/campaigns/{slug}` and the list of running campaigns. */
export default async function campaignPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  for (const lang of ['fr', 'en'] as Lang[]) {
    app.get(localPath(lang, 'campaigns'), { schema: { hide: true } }, async (req, reply) => {
      const campaigns = await activeCampaigns(db);
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'campaign.list_title') });
      const body = html`<h1>${t(lang, 'campaign.list_title')}</h1>
        ${campaigns.length === 0 ? html`<p>${t(lang, 'campaign.none')}</p>` : null}
        ${campaigns.map((c) => CampaignBanner(lang, c))}`;
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    });

    app.get(
      localPath(lang, 'campaigns', '/:slug'),
      { schema: { hide: true, params: slugParams } },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const c = await getCampaignBySlug(db, slug);
        if (!c?.published) throw notFound('campaign');
        const now = new Date().toISOString();
        const running = c.starts_at <= now && c.ends_at > now;
        const [featured, association] = await Promise.all([
          campaignFeatured(db, c.id),
          c.association_id ? findAssociationById(db, c.association_id) : undefined,
          recordVisit(db, c.id),
        ]);
        const title = lang === 'fr' ? c.title_fr : c.title_en || c.title_fr;
        const text = lang === 'fr' ? c.body_fr : c.body_en || c.body_fr;
        // The places of the campaign: every store of its merchants and of its products' merchants,
        // on a map (Leaflet, the configured tiles) and as a list that needs no JavaScript.
        const names = new Map<number, string>();
        for (const m of featured.merchants) names.set(m.id, m.display_name);
        for (const p of featured.products)
          if (!names.has(p.merchant_id)) names.set(p.merchant_id, p.merchant_name);
        const stores = names.size ? await locationsOfMerchants(db, [...names.keys()]) : [];
        const places = stores
          .map((l) => ({ ...l, merchant: names.get(l.merchant_id) ?? '' }))
          .sort((a, b) => a.merchant.localeCompare(b.merchant, lang) || a.name.localeCompare(b.name, lang));
        const pc = await pageContext(req, reply, ctx, lang, {
          title,
          description: text.slice(0, 160) || undefined,
          ...(places.length ? mapAssets : {}),
        });
        const bg = association?.primary_color ?? pc.region.primary_color;
        const fg = readableOn(bg, association?.accent_color ?? '#ffffff');
        const body = html`<article class="campaign">
          <header style=${`background:${bg};color:${fg};padding:1.25rem;border-radius:.75rem`}>
            ${c.banner_url ? html`<img src=${c.banner_url} alt="" width="1200" height="300" style="width:100%;height:auto" />` : null}
            <p>${association ? html`<a href=${`/${lang}/a/${association.slug}`} style="color:inherit">${association.name}</a>` : t(lang, 'campaign.regional')}</p>
            <h1 style="color:inherit">${title}</h1>
            <p>${t(lang, 'campaign.period', { from: formatDay(c.starts_at, lang), to: formatDay(c.ends_at, lang) })}</p>
            ${running ? null : html`<p><strong>${t(lang, c.starts_at > now ? 'campaign.upcoming' : 'campaign.ended')}</strong></p>`}
          </header>
          ${text.split(/\n\s*\n/).map((para) => html`<p>${para}</p>`)}
          ${
            featured.merchants.length
              ? html`<section aria-labelledby="fm-h">
                  <h2 id="fm-h">${t(lang, 'campaign.featured_merchants')}</h2>
                  <ul class="cards">
                    ${featured.merchants.map(
                      (m) => html`<li class="card">
                        <a href=${`/${lang}/m/${m.slug}`}><strong>${m.display_name}</strong></a>
                        ${m.municipality ? html`<span>${m.municipality}</span>` : null}
                      </li>`,
                    )}
                  </ul>
                </section>`
              : null
          }
          ${
            featured.products.length
              ? html`<section aria-labelledby="fp-h">
                  <h2 id="fp-h">${t(lang, 'campaign.featured_products')}</h2>
                  <ul class="products">
                    ${featured.products.map((p) => {
                      const img = parseImages(p.images_json)[0];
                      return html`<li class="product-card">
                        ${img ? html`<img src=${img.url} alt="" width=${img.width} height=${img.height} loading="lazy" />` : null}
                        <a href=${`/${lang}/p/${p.id}`}>${lang === 'fr' ? p.title_fr : p.title_en || p.title_fr}</a>
                        ${Money(lang, p.price_cents)} ${QuebecBadge(lang, p.quebec_label)}
                        <small>${p.merchant_name}</small>
                      </li>`;
                    })}
                  </ul>
                </section>`
              : null
          }
          ${
            places.length
              ? html`<section aria-labelledby="places-h">
                  <h2 id="places-h">${t(lang, 'campaign.places')}</h2>
                  ${MapBox(
                    pc,
                    places.map((l) => ({ lat: l.lat, lng: l.lng, label: storeName(l.merchant, l.name) })),
                    t(lang, 'campaign.map'),
                  )}
                  <ul class="places">
                    ${places.map(
                      (l) => html`<li>
                        <strong>${l.merchant}</strong>${storeSuffix(l.merchant, l.name)}, ${l.address_line}, ${l.municipality}
                      </li>`,
                    )}
                  </ul>
                </section>`
              : null
          }
        </article>`;
        return sendHtml(reply, renderDocument(Layout(pc, body)));
      },
    );
  }
}
