import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatCount, formatKm, isLang, type Lang, langFromAcceptLanguage, t, tp } from '../../i18n/index.ts';
import { listAssociations } from '../../modules/associations/index.ts';
import { activeCampaigns } from '../../modules/campaigns/index.ts';
import { parseImages } from '../../modules/catalog/index.ts';
import { haversineKm } from '../../modules/common/geo.ts';
import { isOpenAt, parseHours } from '../../modules/common/hours.ts';
import { listCategories, regionStats, regionTagline } from '../../modules/region/index.ts';
import { quebecProductsInStock, storesNear } from '../../modules/search/index.ts';
import type { AppContext } from '../context.ts';
import { CampaignBanner } from './campaign-banner.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { Money, QuebecBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const langParams = z.object({ lang: z.enum(['fr', 'en']) });

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How long the shared part of the home page is reused (see `showcase` below). */
const SHOWCASE_TTL_MS = 30_000;

export default async function homeRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  /**
   * What the home page shows every visitor (region counts, associations, merchants near the centre,
   * Québec products in stock) is the same for all and costs tens of milliseconds on a large region
   * (counting a million products): computed at most once per SHOWCASE_TTL_MS and shared by the
   * requests meanwhile. Campaigns and opening hours stay live; prices and stock are exact on the
   * pages the home page links to.
   *
   * On SQLite each read holds the event loop while it runs (counting a million products
   * ≈ 50 ms, the associations' member counts ≈ 50–100 ms on the 1M region): one read per turn of
   * the loop, so the requests of the other visitors are answered between them instead of waiting
   * for the whole refresh (it held a worker's loop ≈ 150 ms every 30 s).
   */
  let cached: { at: number; value: Promise<Showcase> } | undefined;
  const loadShowcase = async (center: { lat: number; lng: number }) => {
    const stats = await regionStats(db);
    await nextTurn();
    const associations = await listAssociations(db);
    await nextTurn();
    const categories = await listCategories(db);
    const rows = await storesNear(db, center, 15);
    await nextTurn();
    const qcProducts = await quebecProductsInStock(db, 8);
    // The stores' distance and hours are the same for every visitor: computed once here, and
    // which of them are open is worked out once per minute (see nearbyAt), not per request.
    const stores = rows.map((r) => ({
      ...r,
      km: haversineKm(center.lat, center.lng, r.lat, r.lng),
      hours: parseHours(r.hours_json),
    }));
    return { stats, associations, categories, stores, qcProducts, nearby: undefined as Nearby | undefined };
  };
  type Showcase = Awaited<ReturnType<typeof loadShowcase>>;
  type Nearby = {
    minute: number;
    timeZone: string;
    list: (Showcase['stores'][number] & { open: boolean })[];
  };
  /**
   * The 8 stores shown, open ones first then nearest. Opening hours are compared at the minute
   * (HH:MM in the region's zone), so the list is the same for every request of one clock minute.
   */
  const nearbyAt = (sc: Showcase, now: Date, timeZone: string) => {
    const minute = Math.floor(now.getTime() / 60_000);
    if (sc.nearby?.minute !== minute || sc.nearby.timeZone !== timeZone)
      sc.nearby = {
        minute,
        timeZone,
        list: sc.stores
          .map((r) => ({ ...r, open: isOpenAt(r.hours, now, timeZone) }))
          .sort((a, b) => Number(b.open) - Number(a.open) || a.km - b.km)
          .slice(0, 8),
      };
    return sc.nearby.list;
  };
  const showcase = (center: { lat: number; lng: number }): Promise<Showcase> => {
    if (!cached) {
      const value = loadShowcase(center);
      cached = { at: Date.now(), value };
      // A failed read is not kept: the next visitor tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    } else if (Date.now() - cached.at > SHOWCASE_TTL_MS && !refreshing) {
      // Expired: the visitors meanwhile get the previous showcase (at most one refresh's time
      // older) instead of waiting for the new one; a failed refresh keeps it and is tried again.
      const was = cached;
      was.at = Date.now();
      refreshing = loadShowcase(center)
        .then(
          (fresh) => {
            if (cached === was) cached = { at: Date.now(), value: Promise.resolve(fresh) };
          },
          (err: unknown) => {
            app.log.error({ err }, 'home page showcase refresh failed; the previous one is kept');
            was.at = 0;
          },
        )
        .finally(() => {
          refreshing = undefined;
        });
    }
    return cached.value;
  };
  let refreshing: Promise<void> | undefined;

  // `/` sends visitors to their language: remembered choice, then browser preference, French by default.
  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const remembered = req.cookies.lang;
    const lang: Lang = isLang(remembered)
      ? remembered
      : langFromAcceptLanguage(req.headers['accept-language']);
    return reply.redirect(`/${lang}`, 302);
  });

  app.get('/:lang', { schema: { hide: true, params: langParams } }, async (req, reply) => {
    const { lang } = req.params as z.infer<typeof langParams>;
    const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'home.title'), ...mapAssets });
    const center = { lat: pc.region.center_lat, lng: pc.region.center_lng };
    const [shown, campaigns] = await Promise.all([showcase(center), activeCampaigns(db)]);
    const nearby = nearbyAt(shown, new Date(), pc.region.timezone);
    const { stats, associations, categories, qcProducts } = shown;
    const welcome = lang === 'fr' ? pc.region.welcome_fr : pc.region.welcome_en;
    const body = html`
      <section class="hero">
        <h1>${t(lang, 'home.title')}</h1>
        ${regionTagline(pc.region, lang) ? html`<p class="tagline">${regionTagline(pc.region, lang)}</p>` : null}
        <p class="lead">${welcome || t(lang, 'home.lead', { merchants: formatCount(stats.merchants, lang), products: formatCount(stats.products, lang) })}</p>
      </section>
      ${stats.merchants === 0 ? html`<p class="notice">${t(lang, 'home.empty')}</p>` : null}
      ${campaigns.slice(0, 2).map((c) => CampaignBanner(lang, c))}
      ${
        associations.length
          ? html`<section aria-labelledby="assoc-h">
            <h2 id="assoc-h">${t(lang, 'home.associations')}</h2>
            <ul class="tiles">
              ${associations.map(
                (a) => html`<li>
                  <a class="tile" href=${`/${lang}/a/${a.slug}`} style=${`--tile-bg:${a.primary_color};--tile-fg:${a.accent_color}`}>
                    <strong>${a.short_name}</strong>
                    <span>${a.name}</span>
                    <small>${tp(lang, 'home.members_n', Number(a.member_count))}</small>
                  </a>
                </li>`,
              )}
            </ul>
          </section>`
          : null
      }
      ${
        nearby.length
          ? html`<section aria-labelledby="near-h">
            <h2 id="near-h">${t(lang, 'home.nearby')}</h2>
            <ul class="cards">
              ${nearby.map(
                (m) => html`<li class="card">
                  <a href=${`/${lang}/m/${m.slug}`}><strong>${m.display_name}</strong></a>
                  <span>${m.municipality} · ${formatKm(m.km, lang)}</span>
                  <span class=${m.open ? 'open' : 'closed'}>${t(lang, m.open ? 'merchant.open_now' : 'merchant.closed_now')}</span>
                </li>`,
              )}
            </ul>
            ${MapBox(
              pc,
              nearby.map((m) => ({
                lat: m.lat,
                lng: m.lng,
                label: m.display_name,
                href: `/${lang}/m/${m.slug}`,
              })),
              t(lang, 'home.nearby'),
            )}
          </section>`
          : null
      }
      ${
        qcProducts.length
          ? html`<section aria-labelledby="qc-h">
            <h2 id="qc-h">${t(lang, 'home.quebec_products')}</h2>
            <ul class="products">
              ${qcProducts.map((p) => {
                const img = parseImages(p.images_json)[0];
                const title = lang === 'fr' ? p.title_fr : p.title_en || p.title_fr;
                return html`<li class="product-card">
                  ${img ? html`<img src=${img.url} alt="" width=${img.width} height=${img.height} loading="lazy" />` : null}
                  <a href=${`/${lang}/p/${p.id}`}>${title}</a>
                  ${Money(lang, p.price_cents)} ${QuebecBadge(lang, p.quebec_label, p.quebec_label_verified)}
                  <small>${p.display_name}</small>
                </li>`;
              })}
            </ul>
          </section>`
          : null
      }
      ${
        categories.length
          ? html`<section aria-labelledby="cat-h">
            <h2 id="cat-h">${t(lang, 'home.categories')}</h2>
            <ul class="chips">
              ${categories.map(
                (c) =>
                  html`<li><a href=${`${localPath(lang, 'search')}?category=${c.slug}`}>${lang === 'fr' ? c.name_fr : c.name_en}</a></li>`,
              )}
            </ul>
          </section>`
          : null
      }
    `;
    return sendHtml(reply, renderDocument(Layout(pc, body)));
  });
}
