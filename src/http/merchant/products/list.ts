/** The back-office product list: search, status, category and stock filters, one page. */
import type { FastifyInstance } from 'fastify';
import { type Lang, labelColon, t, tp } from '../../../i18n/index.ts';
import { listProducts, PRODUCTS_PER_PAGE, productFilters } from '../../../modules/backoffice/index.ts';
import { listImageFailures } from '../../../modules/media/index.ts';
import { listCategories } from '../../../modules/region/index.ts';
import { requireMerchantRole } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { Money, Pager } from '../../pages/components/ui.ts';
import { html } from '../../pages/html.ts';
import { Field, Select } from '../forms.ts';
import { ImageFailures } from '../image-failures.ts';
import { bo, renderBo } from '../layout.ts';
import { titleIn } from './shared.ts';

export function productListRoutes(app: FastifyInstance, ctx: AppContext, lang: Lang) {
  const { db } = ctx.database;
  const title = titleIn(lang);
  app.get(bo(lang, 'products'), { schema: { hide: true } }, async (req, reply) => {
    const access = await requireMerchantRole(req, ctx);
    const f = productFilters.parse(req.query ?? {});
    const [{ total, rows }, categories, imageFailures] = await Promise.all([
      listProducts(db, access.merchantId, f),
      listCategories(db),
      listImageFailures(db, access.merchantId, lang),
    ]);
    const pages = Math.max(1, Math.ceil(total / PRODUCTS_PER_PAGE));
    const qs = (page: number) =>
      `${bo(lang, 'products')}?${new URLSearchParams({ q: f.q, status: f.status, stock: f.stock, ...(f.category ? { category: String(f.category) } : {}), page: String(page) })}`;
    return renderBo(req, reply, ctx, lang, access, {
      section: 'products',
      title: t(lang, 'backoffice.nav_products'),
      body: html`<h1>${t(lang, 'backoffice.nav_products')}</h1>
        <p><a class="button" href=${bo(lang, 'products', '/nouveau')}>${t(lang, 'backoffice.add_product')}</a></p>
        <form method="get" action=${bo(lang, 'products')} class="filters" role="search">
          ${Field({ name: 'q', type: 'search', label: t(lang, 'backoffice.search_products'), value: f.q })}
          ${Select({
            name: 'status',
            label: t(lang, 'admin.status'),
            value: f.status,
            options: ['active', 'archived', 'all'].map((x) => ({
              value: x,
              label: t(lang, `backoffice.product_${x}`),
            })),
          })}
          ${Select({
            name: 'category',
            label: t(lang, 'onboarding.categories'),
            value: f.category ?? '',
            options: [
              { value: '', label: t(lang, 'backoffice.any') },
              ...categories.map((c) => ({ value: c.id, label: lang === 'fr' ? c.name_fr : c.name_en })),
            ],
          })}
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
        ${ImageFailures(lang, imageFailures, (id) => bo(lang, 'products', `/${id}`))}
        <p role="status">${tp(lang, 'backoffice.product_count_n', total)}</p>
        ${
          rows.length
            ? html`<table class="data stack">
                <thead>
                  <tr>
                    <th scope="col">${t(lang, 'backoffice.product')}</th>
                    <th scope="col">SKU</th>
                    <th scope="col">${t(lang, 'backoffice.price')}</th>
                    <th scope="col">${t(lang, 'backoffice.available')}</th>
                    <th scope="col">${t(lang, 'admin.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${rows.map(
                    (r) => html`<tr>
                      <th scope="row"><a href=${bo(lang, 'products', `/${r.id}`)}>${title(r)}</a></th>
                      <td data-label=${labelColon(lang, 'SKU')}>${r.sku}</td>
                      <td data-label=${labelColon(lang, t(lang, 'backoffice.price'))}>${Money(lang, r.price_cents)}</td>
                      <td data-label=${labelColon(lang, t(lang, 'backoffice.available'))}>${r.available}</td>
                      <td data-label=${labelColon(lang, t(lang, 'admin.status'))}>${t(lang, `backoffice.product_${r.status}`)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
            : null
        }
        ${Pager(lang, f.page, pages, qs)}`,
    });
  });
}
