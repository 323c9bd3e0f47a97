import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatMoney, labelColon, t } from '../../i18n/index.ts';
import {
  createCampaign,
  createPromoCode,
  listCampaigns,
  listPromoCodes,
} from '../../modules/campaigns/index.ts';
import { campaignFigures } from '../../modules/impact/index.ts';
import { merchantNames } from '../../modules/merchants/index.ts';
import { adminScope, requireAnyAdmin, requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf } from '../merchant/forms.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import {
  adminBase,
  CampaignForm,
  campaignAccess,
  campaignForm,
  campaignFromForm,
  Errors,
  errorsOf,
  idParams,
  promoForm,
} from './association-admin.ts';

/**
 * Campaign admin: the list (every campaign for region admins, their associations' otherwise), new
 * regional campaigns (region admins), one campaign's figures and its promo codes. Local campaigns
 * are created from their association's screen (associations.routes.ts).
 */
export default async function adminCampaignRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  for (const lang of ['fr', 'en'] as Lang[]) {
    const cbase = `${adminBase(lang)}/campaigns`;

    app.get(cbase, { schema: { hide: true } }, async (req, reply) => {
      const user = await requireAnyAdmin(req, ctx);
      const scope = adminScope(user);
      const rows = await listCampaigns(db, { associationIds: scope.all ? 'all' : scope.associationIds });
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'admin_assoc.campaigns') });
      const token = reply.generateCsrf();
      const body = html`<section class="admin">
        <h1>${t(lang, 'admin_assoc.campaigns')}</h1>
        <table class="data stack"><thead><tr><th scope="col">${t(lang, 'admin_assoc.campaign')}</th><th scope="col">${t(lang, 'admin_assoc.owner')}</th><th scope="col">${t(lang, 'admin_assoc.starts')}</th><th scope="col">${t(lang, 'admin_assoc.ends')}</th></tr></thead>
          <tbody>${rows.map((c) => html`<tr><th scope="row"><a href=${`${cbase}/${c.id}`}>${lang === 'fr' ? c.title_fr : c.title_en}</a></th><td data-label=${labelColon(lang, t(lang, 'admin_assoc.owner'))}>${c.association_name ?? t(lang, 'campaign.regional')}</td><td data-label=${labelColon(lang, t(lang, 'admin_assoc.starts'))}><time datetime=${c.starts_at.slice(0, 10)}>${c.starts_at.slice(0, 10)}</time></td><td data-label=${labelColon(lang, t(lang, 'admin_assoc.ends'))}><time datetime=${c.ends_at.slice(0, 10)}>${c.ends_at.slice(0, 10)}</time></td></tr>`)}</tbody>
        </table>
        ${scope.all ? CampaignForm(lang, token, cbase, []) : null}
      </section>`;
      return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
    });

    app.post(
      cbase,
      { schema: { hide: true, body: campaignForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const created = await createCampaign(
          db,
          campaignFromForm(req.body as z.infer<typeof campaignForm>, null),
        );
        req.log.info(
          { event: 'campaign_created', campaign_id: created.id, by: user.id },
          'regional campaign created',
        );
        return reply.redirect(`${cbase}/${created.id}`, 303);
      },
    );

    async function campaignPage(req: FastifyRequest, reply: FastifyReply, id: number, errors?: string[]) {
      const { c } = await campaignAccess(req, ctx, id);
      const [figures, codes] = await Promise.all([campaignFigures(db, c.id), listPromoCodes(db, c.id)]);
      // A code limited to one merchant names it (not its id).
      const names = await merchantNames(
        db,
        codes.flatMap((p) => (p.merchant_id ? [p.merchant_id] : [])),
      );
      const title = lang === 'fr' ? c.title_fr : c.title_en;
      const pc = await pageContext(req, reply, ctx, lang, { title });
      const token = reply.generateCsrf();
      const body = html`<section class="admin">
        <p><a href=${cbase}>${t(lang, 'admin_assoc.campaigns')}</a> · <a href=${`/${lang}/${lang === 'fr' ? 'campagnes' : 'campaigns'}/${c.slug}`}>${t(lang, 'campaign.see')}</a></p>
        <h1>${title}</h1>
        ${Errors(errors)}
        <h2>${t(lang, 'admin_assoc.figures')}</h2>
        <dl class="figures">
          <div><dt>${t(lang, 'admin_assoc.visits')}</dt><dd data-figure="visits">${figures?.visits ?? 0}</dd></div>
          <div><dt>${t(lang, 'impact.orders')}</dt><dd data-figure="orders">${figures?.orders ?? 0}</dd></div>
          <div><dt>${t(lang, 'impact.sales')}</dt><dd data-figure="sales">${formatMoney(figures?.sales_cents ?? 0, lang)}</dd></div>
          <div><dt>${t(lang, 'admin_assoc.promo_uses')}</dt><dd data-figure="promo_uses">${figures?.promo_uses ?? 0}</dd></div>
          <div><dt>${t(lang, 'campaign.promo_orders')}</dt><dd data-figure="promo_orders">${figures?.promo_orders ?? 0}</dd></div>
          <div><dt>${t(lang, 'campaign.promo_sales')}</dt><dd data-figure="promo_sales">${formatMoney(figures?.promo_sales_cents ?? 0, lang)}</dd></div>
          <div><dt>${t(lang, 'campaign.promo_discounts')}</dt><dd data-figure="promo_discounts">${formatMoney(figures?.promo_discount_cents ?? 0, lang)}</dd></div>
        </dl>
        <p><small>${t(lang, 'admin_assoc.figures_note')}</small></p>
        <h2>${t(lang, 'admin_assoc.codes')}</h2>
        <table class="data"><thead><tr><th scope="col">Code</th><th scope="col">${t(lang, 'admin_assoc.value')}</th><th scope="col">${t(lang, 'admin_assoc.uses')}</th></tr></thead>
          <tbody>${codes.map((p) => html`<tr><th scope="row">${p.code}</th><td>${p.kind === 'percent' ? (lang === 'fr' ? `${p.value}\u00a0%` : `${p.value}%`) : formatMoney(p.value, lang)}${p.merchant_id ? ` (${names.get(p.merchant_id) ?? p.merchant_id})` : ''}</td><td>${p.uses}${p.max_uses ? ` / ${p.max_uses}` : ''}</td></tr>`)}</tbody>
        </table>
        <form method="post" action=${`${cbase}/${c.id}/codes`}>
          ${Csrf(token)}
          <label for="p-code">Code</label><input id="p-code" name="code" required />
          <label for="p-kind">${t(lang, 'admin_assoc.kind')}</label>
          <select id="p-kind" name="kind"><option value="percent">%</option><option value="amount">${t(lang, 'admin_assoc.kind_amount')}</option></select>
          <label for="p-value">${t(lang, 'admin_assoc.value_hint')}</label><input id="p-value" name="value" inputmode="decimal" required />
          <label for="p-min">${t(lang, 'admin_assoc.min_subtotal')}</label><input id="p-min" name="min_subtotal" inputmode="decimal" />
          <label for="p-max">${t(lang, 'admin_assoc.max_uses')}</label><input id="p-max" name="max_uses" inputmode="numeric" />
          <label for="p-merchant">${t(lang, 'admin_assoc.code_merchant')}</label><input id="p-merchant" name="merchant_id" inputmode="numeric" />
          <button type="submit">${t(lang, 'admin_assoc.add_code')}</button>
        </form>
      </section>`;
      return sendHtml(
        reply.header('cache-control', 'no-store'),
        renderDocument(Layout(pc, body)),
        errors ? 400 : 200,
      );
    }

    app.get(`${cbase}/:id`, { schema: { hide: true, params: idParams } }, async (req, reply) => {
      const { id } = req.params as z.infer<typeof idParams>;
      return campaignPage(req, reply, id);
    });

    app.post(
      `${cbase}/:id/codes`,
      { schema: { hide: true, params: idParams, body: promoForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { id } = req.params as z.infer<typeof idParams>;
        const { c, user } = await campaignAccess(req, ctx, id);
        const b = req.body as z.infer<typeof promoForm>;
        const s = (v: string | undefined) => (v ?? '').trim();
        const kind = s(b.kind) === 'amount' ? 'amount' : 'percent';
        const num = (v: string) => (v === '' ? undefined : Number(v.replace(',', '.')));
        const value = num(s(b.value));
        try {
          await createPromoCode(db, c.id, {
            code: s(b.code),
            kind,
            value: value === undefined ? Number.NaN : kind === 'amount' ? Math.round(value * 100) : value,
            min_subtotal_cents: Math.round((num(s(b.min_subtotal)) ?? 0) * 100),
            max_uses: num(s(b.max_uses)) ?? null,
            merchant_id: num(s(b.merchant_id)) ?? null,
          });
        } catch (err) {
          return campaignPage(req, reply, id, errorsOf(lang, err));
        }
        req.log.info({ event: 'promo_code_created', campaign_id: c.id, by: user.id }, 'promo code created');
        return reply.redirect(`${cbase}/${c.id}`, 303);
      },
    );
  }
}
