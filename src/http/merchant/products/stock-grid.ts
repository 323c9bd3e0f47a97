/** The inventory grid: products (rows) × the merchant's stores (columns), edited in one form. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Lang, t } from '../../../i18n/index.ts';
import {
  PRODUCTS_PER_PAGE,
  type ProductFilters,
  productFilters,
  type StockGridForm,
  saveStockCells,
  stockGrid,
  stockGridCells,
  stockGridForm,
} from '../../../modules/backoffice/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { Pager } from '../../pages/components/ui.ts';
import { html } from '../../pages/html.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, Notice, Select } from '../forms.ts';
import { bo, renderBo } from '../layout.ts';
import { type FormValues, stockErrors, titleIn } from './shared.ts';

export function stockGridRoutes(app: FastifyInstance, ctx: AppContext, lang: Lang) {
  const { db } = ctx.database;
  const title = titleIn(lang);
  const stockPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    access: MerchantAccess,
    f: ProductFilters,
    opts: { errors?: FieldErrors; posted?: FormValues; notice?: string } = {},
  ) => {
    const g = await stockGrid(db, access.merchantId, f);
    const pages = Math.max(1, Math.ceil(g.total / PRODUCTS_PER_PAGE));
    const token = reply.generateCsrf();
    const qs = (page: number) =>
      `${bo(lang, 'stock')}?${new URLSearchParams({ q: f.q, stock: f.stock, page: String(page) })}`;
    return renderBo(
      req,
      reply,
      ctx,
      lang,
      access,
      {
        section: 'stock',
        title: t(lang, 'backoffice.nav_stock'),
        status: opts.errors ? 400 : 200,
        body: html`<h1>${t(lang, 'backoffice.nav_stock')}</h1>
          ${Notice(opts.notice)} ${ErrorSummary(lang, opts.errors)}
          <form method="get" action=${bo(lang, 'stock')} class="filters" role="search">
            ${Field({ name: 'q', type: 'search', label: t(lang, 'backoffice.search_products'), value: f.q })}
            ${Select({
              name: 'stock',
              label: t(lang, 'backoffice.stock_filter'),
              value: f.stock,
              options: ['all', 'low', 'out'].map((x) => ({
                value: x,
                label: t(lang, `backoffice.stock_${x}`),
              })),
            })}
            <button type="submit">${t(lang, 'backoffice.filter')}</button>
          </form>
          <p>${t(lang, 'backoffice.stock_intro')}</p>
          <form method="post" action=${`${bo(lang, 'stock')}?${new URLSearchParams({ q: f.q, stock: f.stock, page: String(f.page) })}`}>
            ${Csrf(token)}
            <table class="data stock-grid">
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'backoffice.product')}</th>
                  ${g.locations.map((l) => html`<th scope="col">${l.name}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${g.rows.map(
                  (r) => html`<tr>
                    <th scope="row"><a href=${bo(lang, 'products', `/${r.id}`)}>${title(r)}</a> <small>${r.sku}</small></th>
                    ${g.locations.map((l) => {
                      const name = `q_${r.id}_${l.id}`;
                      const cur = g.level(r.id, l.id);
                      const err = opts.errors?.[name];
                      return html`<td>
                        <label class="sr" for=${name}>${t(lang, 'backoffice.qty_label', { product: title(r), location: l.name })}</label>
                        <input id=${name} name=${name} type="number" min="0" step="1" inputmode="numeric"
                          value=${opts.posted?.[name] !== undefined ? String(opts.posted[name]) : cur.on_hand}
                          aria-invalid=${err ? 'true' : undefined} aria-describedby=${err ? `${name}-error` : undefined} />
                        ${err ? html`<p class="field-error" id=${`${name}-error`}>${err}</p>` : null}
                      </td>`;
                    })}
                  </tr>`,
                )}
              </tbody>
            </table>
            <button type="submit">${t(lang, 'backoffice.save_stock')}</button>
          </form>
          ${Pager(lang, f.page, pages, qs)}`,
      },
      token,
    );
  };

  app.get(bo(lang, 'stock'), { schema: { hide: true } }, async (req, reply) => {
    const access = await requireMerchantRole(req, ctx);
    const f = productFilters.parse({ ...(req.query as object), status: 'active' });
    const saved = (req.query as { saved?: string }).saved;
    const n = Number(saved);
    return stockPage(req, reply, access, f, {
      notice:
        Number.isInteger(n) && n >= 0 && saved !== undefined
          ? t(lang, 'backoffice.stock_saved', { count: n })
          : undefined,
    });
  });

  app.post(
    bo(lang, 'stock'),
    { schema: { hide: true, body: stockGridForm }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const f = productFilters.parse({ ...(req.query as object), status: 'active' });
      const body = req.body as StockGridForm;
      // The inventory module applies the stock rules (never below the reserved units) and publishes the events.
      const r = await saveStockCells(db, ctx.events, access.merchantId, stockGridCells(body));
      if (r.errors.length)
        return stockPage(req, reply, access, f, { errors: stockErrors(lang, r.errors), posted: body });
      return reply.redirect(
        `${bo(lang, 'stock')}?${new URLSearchParams({ q: f.q, stock: f.stock, page: String(f.page), saved: String(r.saved) })}`,
        303,
      );
    },
  );
}
