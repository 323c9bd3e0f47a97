import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import { t, tp } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import {
  findAssociationBySlug,
  showcaseMembers,
  showcaseProducts,
  uniqueMembers,
} from '../../modules/associations/index.ts';
import { activeCampaigns } from '../../modules/campaigns/index.ts';
import { parseImages } from '../../modules/catalog/index.ts';
import type { AppContext } from '../context.ts';
import { CampaignBanner } from './campaign-banner.ts';
import { pageContext } from './common.ts';
import { readableOn } from './components/contrast.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { Money, QuebecBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const params = z.object({ lang: z.enum(['fr', 'en']), slug: z.string().min(1).max(120) });

/** The copy-paste snippet an association puts on its own website. */
export function embedSnippet(origin: string, slug: string, lang: 'fr' | 'en'): string {
  return `<iframe src="${origin}/embed/a/${slug}?lang=${lang}" title="${lang === 'fr' ? 'Nos commerces membres' : 'Our member businesses'}" width="100%" height="480" style="border:0" loading="lazy"></iframe>`;
}

/** Association showcase `/{lang}/a/{slug}`: its identity, campaigns, members on a map, products, gift card, widget. */
export default async function associationPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  app.get('/:lang/a/:slug', { schema: { hide: true, params } }, async (req, reply) => {
    const { lang, slug } = req.params as z.infer<typeof params>;
    const a = await findAssociationBySlug(db, slug);
    if (!a) throw notFound('association');
    const [locations, products, campaigns] = await Promise.all([
      showcaseMembers(db, a.id),
      showcaseProducts(db, a.id),
      activeCampaigns(db, { associationId: a.id }),
    ]);
    const members = uniqueMembers(locations);
    const description = lang === 'fr' ? a.description_fr : a.description_en || a.description_fr;
    const pc = await pageContext(req, reply, ctx, lang, {
      title: a.name,
      description: description.slice(0, 160) || undefined,
      ...mapAssets,
    });
    const origin = publicBaseUrl(ctx.config);
    const searchHref = `${localPath(lang, 'search')}?association=${encodeURIComponent(a.slug)}`;
    const style = `--brand:${a.primary_color};border-top:6px solid ${a.primary_color}`;
    const body = html`
      <article class="association" style=${style}>
        <header class="hero" style=${`background:${a.primary_color};color:${readableOn(a.primary_color, a.accent_color)};padding:1.25rem;border-radius:.75rem`}>
          ${a.logo_url ? html`<img src=${a.logo_url} alt=${t(lang, 'association.logo_alt', { name: a.name })} width="96" height="96" style="background:#fff;border-radius:.5rem" />` : null}
          <h1 style="color:inherit">${a.name}</h1>
          ${description ? html`<p class="lead">${description}</p>` : null}
          <p>${tp(lang, 'home.members_n', members.length)}</p>
          <form role="search" action=${localPath(lang, 'search')} method="get">
            <input type="hidden" name="association" value=${a.slug} />
            <label for="aq">${t(lang, 'association.search_label', { name: a.short_name })}</label>
            <input id="aq" name="q" type="search" />
            <button type="submit">${t(lang, 'search.submit')}</button>
          </form>
          ${a.website ? html`<p><a href=${a.website} rel="noopener external" style="color:inherit">${t(lang, 'association.website')}</a></p>` : null}
        </header>
        ${campaigns.map((c) => CampaignBanner(lang, c))}
        <section aria-labelledby="members-h">
          <h2 id="members-h">${t(lang, 'association.members')}</h2>
          ${members.length === 0 ? html`<p>${t(lang, 'association.no_members')}</p>` : null}
          <ul class="cards">
            ${members.map(
              (m) => html`<li class="card">
                <a href=${`/${lang}/m/${m.slug}`}><strong>${m.display_name}</strong></a>
                <span>${m.address_line}, ${m.municipality}</span>
              </li>`,
            )}
          </ul>
          ${
            locations.length
              ? MapBox(
                  pc,
                  locations.map((l) => ({
                    lat: l.lat,
                    lng: l.lng,
                    label: l.display_name,
                    href: `/${lang}/m/${l.slug}`,
                  })),
                  t(lang, 'association.members_map', { name: a.short_name }),
                )
              : null
          }
        </section>
        <section aria-labelledby="products-h">
          <h2 id="products-h">${t(lang, 'association.products')}</h2>
          <ul class="products">
            ${products.map((p) => {
              const img = parseImages(p.images_json)[0];
              return html`<li class="product-card">
                ${img ? html`<img src=${img.url} alt="" width=${img.width} height=${img.height} loading="lazy" />` : null}
                <a href=${`/${lang}/p/${p.id}`}>${lang === 'fr' ? p.title_fr : p.title_en || p.title_fr}</a>
                ${Money(lang, p.price_cents)} ${QuebecBadge(lang, p.quebec_label, p.quebec_label_verified)}
                <small>${p.merchant_name}</small>
              </li>`;
            })}
          </ul>
          <p><a class="button" href=${searchHref}>${t(lang, 'association.search_all', { name: a.short_name })}</a></p>
        </section>
        <section aria-labelledby="gc-h">
          <h2 id="gc-h">${t(lang, 'giftcard.title')}</h2>
          <p>${t(lang, 'association.giftcard_lead', { name: a.short_name })}</p>
          <p><a class="button" href=${localPath(lang, 'giftcards', `?association=${a.slug}`)}>${t(lang, 'giftcard.buy')}</a></p>
        </section>
        <section aria-labelledby="embed-h">
          <h2 id="embed-h">${t(lang, 'association.embed_title')}</h2>
          <p>${t(lang, 'association.embed_lead')}</p>
          <label for="embed-code">${t(lang, 'association.embed_label')}</label>
          <textarea id="embed-code" readonly rows="4" style="width:100%;font-family:monospace">${embedSnippet(origin, a.slug, lang)}</textarea>
        </section>
      </article>
    `;
    return sendHtml(reply, renderDocument(Layout(pc, body)));
  });
}
