import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { formatDistanceNumber, t, tp } from '../../i18n/index.ts';
import { listMerchants, merchantsQuery, reference } from '../../modules/search/index.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { Pager } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';
import { withParams } from './search.routes.ts';

const RADII = [2, 5, 10, 25, 50, 100];

/** The merchants directory with a map: nearest first, filters as a plain GET form. */
export default async function directoryPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const lang of ['fr', 'en'] as const) {
    const path = localPath(lang, 'merchants');
    r.get(path, { schema: { hide: true, querystring: merchantsQuery } }, async (req, reply) => {
      const q = req.query;
      const perPage = q.per_page ?? 30;
      const res = await listMerchants(ctx.database, { ...q, lang, per_page: perPage });
      const ref = await reference(ctx.database);
      const pc = await pageContext(req, reply, ctx, lang, {
        title: t(lang, 'directory.title'),
        ...mapAssets,
        query: { near: q.near },
      });
      const current = {
        q: q.q,
        near: q.near,
        lat: q.lat,
        lng: q.lng,
        radius_km: q.radius_km,
        category: q.category,
        association: q.association,
        open_now: q.open_now,
      };
      const pages = Math.max(1, Math.ceil(res.total / perPage));
      const body = html`
        <h1>${t(lang, 'directory.title')}</h1>
        <p class="lead" role="status">${tp(lang, 'directory.count_n', res.total, { km: res.point.radius_km })}</p>
        <form class="filters" method="get" action=${path}>
          <fieldset>
            <legend>${t(lang, 'search.filters')}</legend>
            <label>${t(lang, 'directory.q')} <input type="search" name="q" value=${q.q ?? ''} /></label>
            <label>${t(lang, 'search.near_label')} <input type="text" name="near" value=${q.near ?? ''} /></label>
            <label
              >${t(lang, 'search.facet.category')}
              <select name="category">
                <option value="">${t(lang, 'search.facet.any')}</option>
                ${ref.categories.map(
                  (c) =>
                    html`<option value=${c.slug} selected=${q.category === c.slug}>${lang === 'fr' ? c.name_fr : c.name_en}</option>`,
                )}
              </select>
            </label>
            <label
              >${t(lang, 'search.facet.association')}
              <select name="association">
                <option value="">${t(lang, 'search.facet.any')}</option>
                ${ref.associations.map(
                  (a) =>
                    html`<option value=${a.slug} selected=${q.association === a.slug}>${a.name}</option>`,
                )}
              </select>
            </label>
            <label
              >${t(lang, 'search.radius')}
              <select name="radius_km">
                ${RADII.map((km) => html`<option value=${km} selected=${(q.radius_km ?? 25) === km}>${km} km</option>`)}
              </select>
            </label>
            <label
              ><input type="checkbox" name="open_now" value="1" checked=${q.open_now} />
              ${t(lang, 'search.facet.open_now')}</label
            >
            <button type="submit" class="button">${t(lang, 'search.apply')}</button>
          </fieldset>
        </form>
        <ul class="cards">
          ${res.results.map(
            (m) => html`<li class="card">
              <a href=${m.url}><strong>${m.name}</strong></a>
              <p>${m.location.address} · ${t(lang, 'search.distance', { km: formatDistanceNumber(m.location.distance_km, lang) })}</p>
              <p>
                <span class=${m.open_now ? 'open' : 'closed'}>${t(lang, m.open_now ? 'directory.open' : 'directory.closed')}</span>
                ${m.categories.length ? html` · ${m.categories.map((c) => c.name).join(', ')}` : null}
              </p>
            </li>`,
          )}
        </ul>
        ${Pager(lang, res.page, pages, (p) => withParams(path, current, { page: p }))}
        ${MapBox(
          pc,
          res.results.map((m) => ({ lat: m.location.lat, lng: m.location.lng, label: m.name, href: m.url })),
          t(lang, 'directory.map'),
        )}
      `;
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    });
  }
}
