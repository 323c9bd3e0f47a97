import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatMoney, t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import {
  findAssociationById,
  findAssociationBySlug,
  listAssociations,
} from '../../modules/associations/index.ts';
import { impactCsv, impactFigures } from '../../modules/impact/index.ts';
import { adminScope, requireAnyAdmin, requireAssociationAdmin, requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import { barChartSvg } from './bar-chart.ts';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional();
const query = z.object({
  association: z.string().max(80).optional(),
  from: day,
  to: day,
  format: z.enum(['html', 'csv']).default('html'),
});

/** Local impact dashboard: the region (region admins) or one association (its admins); SVG charts, CSV export. */
export default async function adminImpactRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  for (const lang of ['fr', 'en'] as Lang[]) {
    const base = `/${lang}/admin/impact`;
    app.get(base, { schema: { hide: true, querystring: query } }, async (req, reply) => {
      const q = req.query as z.infer<typeof query>;
      let association: Awaited<ReturnType<typeof findAssociationBySlug>>;
      if (q.association) {
        association = await findAssociationBySlug(db, q.association);
        if (!association) {
          await requireAnyAdmin(req, ctx);
          throw notFound('association');
        }
        await requireAssociationAdmin(req, ctx, association.id);
      } else {
        const user = await requireAnyAdmin(req, ctx);
        const scope = adminScope(user);
        if (!scope.all) {
          association = await findAssociationById(db, scope.associationIds[0]);
        } else await requireRegionAdmin(req, ctx);
      }
      // Default period: the last 30 days (whole UTC days).
      const to = q.to ?? new Date(Date.now() + 86400_000).toISOString().slice(0, 10);
      const from = q.from ?? new Date(Date.parse(to) - 30 * 86400_000).toISOString().slice(0, 10);
      const f = await impactFigures(db, {
        from: `${from}T00:00:00.000Z`,
        to: `${to}T00:00:00.000Z`,
        associationId: association?.id,
      });
      if (q.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="impact-${association?.slug ?? 'region'}-${from}-${to}.csv"`,
          )
          .header('cache-control', 'no-store')
          .send(impactCsv(f));
      }
      const user = await requireAnyAdmin(req, ctx);
      const scope = adminScope(user);
      const associations = scope.all
        ? await listAssociations(db)
        : (await listAssociations(db)).filter((a) => scope.associationIds.includes(a.id));
      const title = `${t(lang, 'impact.title')}${association ? ` · ${association.name}` : ''}`;
      const pc = await pageContext(req, reply, ctx, lang, { title });
      const pct = (x: number) =>
        `${(x * 100).toLocaleString(lang === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 1 })} %`;
      const color = association?.primary_color ?? pc.region.primary_color;
      const csvHref = `${base}?${new URLSearchParams({ ...(association ? { association: association.slug } : {}), from, to, format: 'csv' })}`;
      const body = html`<section class="admin impact">
        <h1>${t(lang, 'impact.title')} — ${association?.name ?? pc.region.name}</h1>
        <form method="get" action=${base}>
          <label for="i-scope">${t(lang, 'impact.scope')}</label>
          <select id="i-scope" name="association">
            ${scope.all ? html`<option value="">${t(lang, 'impact.region')}</option>` : null}
            ${associations.map((a) => html`<option value=${a.slug} selected=${a.id === association?.id}>${a.name}</option>`)}
          </select>
          <label for="i-from">${t(lang, 'impact.from')}</label><input id="i-from" name="from" type="date" value=${from} />
          <label for="i-to">${t(lang, 'impact.to')}</label><input id="i-to" name="to" type="date" value=${to} />
          <button type="submit">${t(lang, 'impact.apply')}</button>
        </form>
        <dl class="figures">
          <dt>${t(lang, 'impact.orders')}</dt><dd data-figure="orders">${f.orders}</dd>
          <dt>${t(lang, 'impact.sales')}</dt><dd data-figure="sales">${formatMoney(f.sales_cents, lang)}</dd>
          <dt>${t(lang, 'impact.quebec_share')}</dt><dd data-figure="quebec">${pct(f.quebec_share)}</dd>
          <dt>${t(lang, 'impact.active_merchants')}</dt><dd data-figure="active">${f.active_merchants} / ${f.merchants}</dd>
          <dt>${t(lang, 'impact.pickup_delivery')}</dt><dd data-figure="fulfilment">${f.pickup_orders} / ${f.delivery_orders}</dd>
          <dt>${t(lang, 'admin_gc.float_paid')}</dt><dd>${formatMoney(f.giftcards.float_paid_cents, lang)}</dd>
          <dt>${t(lang, 'admin_gc.float_bonus')}</dt><dd>${formatMoney(f.giftcards.float_bonus_cents, lang)}</dd>
          <dt>${t(lang, 'admin_gc.redeemed')}</dt><dd>${formatMoney(f.giftcards.redeemed_cents, lang)}</dd>
        </dl>
        <figure>
          <div dangerouslySetInnerHTML=${{
            __html: barChartSvg(
              f.series.map((d) => ({ label: d.day, value: d.sales_cents / 100 })),
              { color },
            ),
          }}></div>
          <figcaption>${t(lang, 'impact.chart_caption', { from, to })}</figcaption>
        </figure>
        <h2 id="mun-h">${t(lang, 'impact.by_municipality')}</h2>
        <table class="data" aria-labelledby="mun-h">
          <thead><tr><th scope="col">${t(lang, 'impact.municipality')}</th><th scope="col">${t(lang, 'impact.orders')}</th><th scope="col">${t(lang, 'impact.sales')}</th></tr></thead>
          <tbody>${f.by_municipality.map((m) => html`<tr><th scope="row">${m.municipality}</th><td>${m.orders}</td><td>${formatMoney(m.sales_cents, lang)}</td></tr>`)}</tbody>
        </table>
        <h2 id="as-h">${t(lang, 'impact.by_association')}</h2>
        <table class="data" aria-labelledby="as-h">
          <thead><tr><th scope="col">${t(lang, 'impact.association')}</th><th scope="col">${t(lang, 'impact.orders')}</th><th scope="col">${t(lang, 'impact.sales')}</th></tr></thead>
          <tbody>${f.by_association.map((a) => html`<tr><th scope="row">${a.name}</th><td>${a.orders}</td><td>${formatMoney(a.sales_cents, lang)}</td></tr>`)}</tbody>
        </table>
        <p><a href=${csvHref}>${t(lang, 'impact.csv')}</a></p>
      </section>`;
      return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
    });
  }
}
