import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import { dashboard, getProfile, updateProfile } from '../../modules/backoffice/index.ts';
import { storesNotSelling } from '../../modules/cart/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { cachedRegion } from '../pages/common.ts';
import { html } from '../pages/html.ts';
import {
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
  Select,
  TextArea,
} from './forms.ts';
import { bo, renderBo } from './layout.ts';
import { LIVE_ORDERS_SCRIPT, LiveOrders } from './live-orders.ts';
import { csrfField } from './page-kit.ts';

const text = (max = 5000) => z.string().max(max).optional();
const profileBody = z.object({
  display_name: text(),
  legal_name: text(),
  description_fr: text(20_000),
  description_en: text(20_000),
  email: text(),
  phone: text(),
  website: text(),
  tax_status: text(),
  gst_number: text(),
  qst_number: text(),
  ...csrfField,
});
const savedQuery = z.object({ saved: z.string().optional() });
type V = Record<string, unknown>;
const s = (v: V, k: string) => (v[k] === undefined || v[k] === null ? '' : String(v[k]));

/** Dashboard and store profile (the stores themselves: locations.routes.ts). */
export default async function storeRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  for (const lang of ['fr', 'en'] as const) {
    app.get(bo(lang, 'dashboard'), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const region = await cachedRegion(ctx);
      const d = await dashboard(db, access.merchantId, region.timezone);
      // Stores with neither pickup nor delivery: their products cannot be bought online.
      const notSelling = await storesNotSelling(db, access.merchantId);
      const title = (p: { title_fr: string; title_en: string }) =>
        (lang === 'en' && p.title_en) || p.title_fr;
      return renderBo(req, reply, ctx, lang, access, {
        section: 'dashboard',
        title: t(lang, 'backoffice.nav_dashboard'),
        scripts: [LIVE_ORDERS_SCRIPT],
        body: html`<h1>${t(lang, 'backoffice.nav_dashboard')}</h1>
          <dl class="stats">
            <div><dt>${t(lang, 'backoffice.orders_today')}</dt><dd data-stat="orders-today">${d.ordersToday}</dd></div>
            <div><dt>${t(lang, 'backoffice.active_products')}</dt><dd data-stat="products">${d.productCount}</dd></div>
          </dl>
          ${LiveOrders(lang, access.merchantId)}
          ${
            notSelling.length
              ? html`<p class="warning" role="alert" data-warning="no-fulfilment">${t(lang, 'bo.no_fulfilment_warning', { stores: notSelling.join(', ') })}
                  <a href=${bo(lang, 'locations')}>${t(lang, 'backoffice.nav_locations')}</a></p>`
              : null
          }
          <section aria-labelledby="low-h">
            <h2 id="low-h">${t(lang, 'backoffice.low_stock')}</h2>
            ${
              d.lowStock.length
                ? html`<table class="data">
                    <thead>
                      <tr>
                        <th scope="col">${t(lang, 'backoffice.product')}</th>
                        <th scope="col">${t(lang, 'backoffice.location')}</th>
                        <th scope="col">${t(lang, 'backoffice.available')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${d.lowStock.map(
                        (r) => html`<tr>
                          <th scope="row"><a href=${bo(lang, 'products', `/${r.product_id}`)}>${title(r)}</a> <small>${r.sku}</small></th>
                          <td>${r.location}</td>
                          <td>${r.available}</td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>`
                : html`<p class="empty">${t(lang, 'backoffice.no_low_stock')}</p>`
            }
          </section>`,
      });
    });

    // ---------------------------------------------------------------- profile
    const profilePage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      v: V,
      errors?: FieldErrors,
      saved = false,
    ) =>
      renderBo(req, reply, ctx, lang, access, {
        section: 'profile',
        title: t(lang, 'backoffice.nav_profile'),
        status: errors ? 400 : 200,
        body: html`<h1>${t(lang, 'backoffice.nav_profile')}</h1>
          ${saved ? Notice(t(lang, 'form.saved')) : null} ${ErrorSummary(lang, errors)}
          <form method="post" action=${bo(lang, 'profile')} novalidate>
            ${Csrf(reply.generateCsrf())}
            ${Field({ name: 'display_name', label: t(lang, 'onboarding.business_name'), value: s(v, 'display_name'), errors, required: true })}
            ${Field({ name: 'legal_name', label: t(lang, 'backoffice.legal_name'), value: s(v, 'legal_name'), errors, required: true })}
            <p>${t(lang, 'onboarding.neq')} : ${s(v, 'neq') || '—'}</p>
            ${TextArea({ name: 'description_fr', label: t(lang, 'backoffice.description_fr'), value: s(v, 'description_fr'), errors })}
            ${TextArea({ name: 'description_en', label: t(lang, 'backoffice.description_en'), value: s(v, 'description_en'), errors })}
            ${Field({ name: 'email', type: 'email', label: t(lang, 'auth.email'), value: s(v, 'email'), errors })}
            ${Field({ name: 'phone', type: 'tel', label: t(lang, 'onboarding.phone'), value: s(v, 'phone'), errors })}
            ${Field({ name: 'website', type: 'url', label: t(lang, 'onboarding.website'), value: s(v, 'website'), errors })}
            <fieldset>
              <legend>${t(lang, 'small_supplier.section')}</legend>
              ${Select({
                name: 'tax_status',
                label: t(lang, 'small_supplier.tax_status'),
                hint: t(lang, 'small_supplier.tax_status_hint'),
                value: s(v, 'tax_status') || 'registered',
                errors,
                options: [
                  { value: 'registered', label: t(lang, 'small_supplier.status_registered') },
                  { value: 'small_supplier', label: t(lang, 'small_supplier.status_small_supplier') },
                ],
              })}
              ${Field({ name: 'gst_number', label: t(lang, 'onboarding.gst'), hint: t(lang, 'small_supplier.gst_hint'), value: s(v, 'gst_number'), errors })}
              ${Field({ name: 'qst_number', label: t(lang, 'onboarding.qst'), hint: t(lang, 'small_supplier.qst_hint'), value: s(v, 'qst_number'), errors })}
            </fieldset>
            <button type="submit">${t(lang, 'form.save')}</button>
          </form>`,
      });

    app.get(bo(lang, 'profile'), { schema: { hide: true, querystring: savedQuery } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx, { owner: true });
      const p = await getProfile(db, access.merchantId);
      return profilePage(req, reply, access, p, undefined, !!(req.query as { saved?: string }).saved);
    });
    app.post(
      bo(lang, 'profile'),
      { schema: { hide: true, body: profileBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx, { owner: true });
        const body = req.body as V;
        try {
          await updateProfile(db, access.merchantId, body);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          const p = await getProfile(db, access.merchantId);
          return profilePage(req, reply, access, { ...body, neq: p.neq }, issuesToErrors(lang, e.issues));
        }
        return reply.redirect(`${bo(lang, 'profile')}?saved=1`, 303);
      },
    );
  }
}
