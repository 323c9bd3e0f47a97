import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Lang } from '../../i18n/index.ts';
import { formatDistanceNumber, formatMoney, roundedDownCount, t, tp } from '../../i18n/index.ts';
import {
  parseQuery,
  reference,
  type SearchQuery,
  search,
  searchQuery,
  spellingSuggestion,
} from '../../modules/search/index.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { MapBox, mapAssets } from './components/map.ts';
import { Pager, QuebecBadge, StockBadge } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';
import { pointQuery } from './product.routes.ts';
import { storeSuffix } from './store-name.ts';

const RADII = [2, 5, 10, 25, 50, 100];
const SORTS = ['relevance', 'distance', 'price_asc', 'price_desc'] as const;

/** Query string of the page with some values changed (undefined or '' removes a key). */
export function withParams(
  base: string,
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...current, ...changes })) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    u.set(k, v === true ? '1' : String(v));
  }
  const s = u.toString();
  return s ? `${base}?${s}` : base;
}

/** The search results page: list, map, filters as a plain GET form, pagination, help when nothing is found. */
export default async function searchPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const lang of ['fr', 'en'] as const) {
    const path = localPath(lang, 'search');
    r.get(path, { schema: { hide: true, querystring: searchQuery } }, async (req, reply) => {
      const q = req.query;
      // Product links carry the shopper's point: the product page measures distances from it.
      const keep = pointQuery(q);
      const perPage = q.per_page ?? 20;
      const res = await search(ctx.database, { ...q, lang, per_page: perPage });
      const ref = await reference(ctx.database);
      const current: Record<string, unknown> = {
        q: q.q,
        near: q.near,
        lat: q.lat,
        lng: q.lng,
        radius_km: q.radius_km,
        category: q.category,
        quebec: q.quebec,
        in_stock: q.in_stock,
        open_now: q.open_now,
        fulfilment: q.fulfilment,
        association: q.association,
        merchant: q.merchant,
        sort: q.sort,
      };
      const radius = res.point.radius_km;
      const title = q.q?.trim()
        ? t(lang, 'search.title_q', { q: q.q.trim().slice(0, 80) })
        : t(lang, 'search.title');
      const pc = await pageContext(req, reply, ctx, lang, {
        title,
        ...mapAssets,
        query: { q: q.q, near: q.near },
      });
      const suggestion = res.total === 0 && q.q ? await spellingSuggestion(ctx.database, q.q) : undefined;
      const pages = Math.max(1, Math.ceil(res.total / perPage));
      const place =
        res.point.source === 'near' && q.near
          ? q.near
          : res.point.source === 'coordinates'
            ? t(lang, 'search.your_position')
            : t(lang, 'search.region_centre');
      const body = html`
        <h1>${title}</h1>
        <p class="lead" role="status">
          ${res.approximate ? tp(lang, 'search.count_more_n', roundedDownCount(res.total), { km: radius }) : tp(lang, 'search.count_n', res.total, { km: radius })} ${t(lang, 'search.near_point', { place })}
        </p>
        ${res.relaxed ? RelaxedNotice(lang, q.q ?? '', res.missing_words, res.any_word, res.total) : null}
        ${
          // A place typed but not found (town or postal code): said, never silently the centre.
          q.near?.trim() && res.point.source === 'region'
            ? html`<p class="notice" role="alert" data-place-unknown>${t(lang, 'place.unknown', { place: q.near.trim().slice(0, 100) })}</p>`
            : null
        }
        ${Filters(lang, path, q, res.facets, ref.associations)}
        ${
          res.total === 0
            ? NoResults(lang, path, current, suggestion, radius, ref.categories)
            : html`
          <nav class="view-toggle" aria-label=${t(lang, 'search.view')}>
            <a href="#results-list">${t(lang, 'search.view_list')}</a>
            <a href="#results-map">${t(lang, 'search.view_map')}</a>
          </nav>
          <div class="search-layout">
          <div class="search-list" id="results-list">
          <ol class="products results">
            ${res.results.map(
              (x) => html`<li class="product-card result">
                ${x.image_url ? html`<img src=${x.image_url} alt="" loading="lazy" width="96" height="96" />` : html`<span></span>`}
                <div class="result-body">
                <a class="result-title" href=${`${x.url}${keep}`}>${x.title}</a>
                ${x.description_snippet ? html`<p>${x.description_snippet}</p>` : null}
                <span class="money">${x.price_from ? t(lang, 'variants.from_price', { price: formatMoney(x.price_cents, lang) }) : formatMoney(x.price_cents, lang)}</span> ${QuebecBadge(lang, x.quebec_label)}
                ${StockBadge(lang, x.available, { 'data-stock-product': x.product_id, 'data-stock-location': x.location.id })}
                <p>
                  <a href=${`/${lang}/m/${x.merchant.slug}`}>${x.merchant.name}</a>${storeSuffix(x.merchant.name, x.location.name)}, ${t(lang, 'search.distance', { km: formatDistanceNumber(x.location.distance_km, lang) })}
                  ${x.offers_nearby > 1 ? html` · <a href=${`${x.url}${keep}`}>${t(lang, 'search.offers_nearby', { count: x.offers_nearby })}</a>` : null}
                </p>
                ${x.location.delivers ? html`<p class="delivers">${t(lang, 'shopper.delivers_badge')}</p>` : null}
                </div>
              </li>`,
            )}
          </ol>
          ${Pager(lang, res.page, pages, (p) => withParams(path, current, { page: p }))}
          </div>
          <div class="search-map" id="results-map">
          ${MapBox(
            pc,
            res.results.map((x) => ({
              lat: x.location.lat,
              lng: x.location.lng,
              label: `${x.title} — ${x.merchant.name}`,
              href: `${x.url}${keep}`,
            })),
            t(lang, 'search.map'),
          )}
          </div>
          </div>`
        }
      `;
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    });
  }
}

type Facets = Awaited<ReturnType<typeof search>>['facets'];

function Filters(
  lang: Lang,
  path: string,
  q: SearchQuery,
  facets: Facets,
  associations: { slug: string; name: string }[],
) {
  const count = (list: { value: string; count: number }[] | undefined, v: string) =>
    list?.find((x) => x.value === v)?.count ?? 0;
  const hidden = (name: string, v: unknown) =>
    v === undefined || v === '' ? null : html`<input type="hidden" name=${name} value=${String(v)} />`;
  return html`<form class="filters" method="get" action=${path} aria-label=${t(lang, 'search.filters')}>
    ${hidden('q', q.q)} ${hidden('near', q.near)} ${hidden('lat', q.lat)} ${hidden('lng', q.lng)}
    ${hidden('merchant', q.merchant)}
    <details class="filters-drawer">
    <summary>${t(lang, 'search.filters_drawer')}</summary>
    <fieldset>
      <legend>${t(lang, 'search.filters')}</legend>
      <label
        >${t(lang, 'search.facet.category')}
        <select name="category">
          <option value="">${t(lang, 'search.facet.any')}</option>
          ${facets.category.map(
            (c) =>
              html`<option value=${c.value} selected=${q.category === c.value}>${c.label} (${c.count})</option>`,
          )}
          ${
            q.category && !facets.category.some((c) => c.value === q.category)
              ? html`<option value=${q.category} selected>${q.category}</option>`
              : null
          }
        </select>
      </label>
      <label
        ><input type="checkbox" name="quebec" value="1" checked=${q.quebec} />
        ${t(lang, 'search.facet.quebec')} (${facets.quebec_label.reduce((a, b) => a + b.count, 0)})</label
      >
      <label
        ><input type="checkbox" name="in_stock" value="1" checked=${q.in_stock} />
        ${t(lang, 'search.facet.in_stock')} (${count(facets.in_stock, '1')})</label
      >
      <label
        ><input type="checkbox" name="open_now" value="1" checked=${q.open_now} />
        ${t(lang, 'search.facet.open_now')} (${count(facets.open_now, '1')})</label
      >
      <label
        >${t(lang, 'search.facet.fulfilment')}
        <select name="fulfilment">
          <option value="">${t(lang, 'search.facet.any')}</option>
          <option value="pickup" selected=${q.fulfilment === 'pickup'}>
            ${t(lang, 'search.facet.pickup')} (${count(facets.fulfilment, 'pickup')})
          </option>
          <option value="delivery" selected=${q.fulfilment === 'delivery'}>
            ${t(lang, 'search.facet.delivery')} (${count(facets.fulfilment, 'delivery')})
          </option>
        </select>
      </label>
      <label
        >${t(lang, 'search.facet.association')}
        <select name="association">
          <option value="">${t(lang, 'search.facet.any')}</option>
          ${associations.map(
            (a) =>
              html`<option value=${a.slug} selected=${q.association === a.slug}>
                ${a.name} (${count(facets.association, a.slug)})
              </option>`,
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
        >${t(lang, 'search.sort')}
        <select name="sort">
          ${SORTS.map((s) => html`<option value=${s} selected=${(q.sort ?? 'relevance') === s}>${t(lang, `search.sort.${s}`)}</option>`)}
        </select>
      </label>
      <button type="submit" class="button">${t(lang, 'search.apply')}</button>
      <a href=${withParams(path, { q: q.q, near: q.near }, {})}>${t(lang, 'search.clear')}</a>
    </fieldset>
    ${
      facets.merchant.length > 1
        ? html`<details>
          <summary>${t(lang, 'search.facet.merchant')}</summary>
          <ul>
            ${facets.merchant.map(
              (m) =>
                html`<li><a href=${withParams(path, { q: q.q, near: q.near, lat: q.lat, lng: q.lng, radius_km: q.radius_km }, { merchant: m.value })}>${m.label}</a> (${m.count})</li>`,
            )}
          </ul>
        </details>`
        : null
    }
    </details>
  </form>`;
}

/**
 * Why the results do not hold every word: the words no product holds, named as the shopper typed
 * them ("Aucun produit ne contient : « ambré »."), then what the results hold instead.
 */
function RelaxedNotice(lang: Lang, q: string, missing: string[], anyWord: boolean, total: number) {
  if (missing.length === 0) return html`<p class="notice">${t(lang, 'search.relaxed')}</p>`;
  const tokens = q.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const typed = missing.map((w) => tokens.find((token) => parseQuery(token)[0]?.word === w) ?? w);
  const words = typed.map((w) => t(lang, 'search.quoted_word', { word: w })).join(', ');
  return html`<p class="notice">
    ${t(lang, 'search.relaxed_missing', { words })}
    ${total > 0 ? ` ${t(lang, anyWord ? 'search.relaxed_any_other' : 'search.relaxed_others')}` : null}
  </p>`;
}

function NoResults(
  lang: Lang,
  path: string,
  current: Record<string, unknown>,
  suggestion: string | undefined,
  radius: number,
  categories: { slug: string; name_fr: string; name_en: string }[],
) {
  const wider = Math.min(500, radius < 50 ? 100 : radius * 2);
  return html`<section class="no-results" aria-labelledby="none-h">
    <h2 id="none-h">${t(lang, 'search.none')}</h2>
    <ul>
      ${
        suggestion
          ? html`<li>
            ${t(lang, 'search.did_you_mean')}
            <a href=${withParams(path, current, { q: suggestion, page: undefined })}>${suggestion}</a>
          </li>`
          : null
      }
      ${
        radius < 500
          ? html`<li><a href=${withParams(path, current, { radius_km: wider, page: undefined })}>${t(lang, 'search.widen', { km: wider })}</a></li>`
          : null
      }
    </ul>
    <h3>${t(lang, 'search.browse_categories')}</h3>
    <ul class="cards">
      ${categories.map(
        (c) =>
          html`<li class="card"><a href=${withParams(path, {}, { category: c.slug, near: current.near })}>${lang === 'fr' ? c.name_fr : c.name_en}</a></li>`,
      )}
    </ul>
  </section>`;
}
