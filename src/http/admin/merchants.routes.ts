import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import type { MerchantStatus } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { formatDate, t } from '../../i18n/index.ts';
import {
  listMerchantsForAdmin,
  notifyMerchantStatus,
  setMerchantStatus,
} from '../../modules/onboarding/index.ts';
import { connectStatuses } from '../../modules/payments/index.ts';
import { adminScope, requireAnyAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, Notice } from '../merchant/forms.ts';
import { StripeBadge } from '../merchant/payments.routes.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { localPath, sendHtml } from '../pages/page-context.ts';

export const adminMerchantsPath = (lang: Lang) =>
  localPath(lang, 'admin', lang === 'fr' ? '/commerces' : '/merchants');

const STATUSES = ['pending', 'approved', 'suspended', 'all'] as const;
const listQuery = z.object({
  status: z.enum(STATUSES).default('pending'),
  done: z.string().max(40).optional(),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });
const statusBody = z.object({ status: z.enum(['approved', 'suspended']), _csrf: z.string().optional() });

/**
 * Approval screen. A merchant's status (approved, suspended) is region-wide, so only region admins
 * change it; association admins see their ACTIVE members here, read-only (they remove a merchant
 * from their association on the association's page, never suspend it for the whole region).
 */
export default async function adminMerchantRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function list(req: FastifyRequest, reply: FastifyReply, lang: Lang) {
    const user = await requireAnyAdmin(req, ctx);
    const { status, done } = req.query as z.infer<typeof listQuery>;
    const scope = adminScope(user);
    // Association admins see their ACTIVE members only (an invitation gives no scope).
    const rows = await listMerchantsForAdmin(db, scope, status as MerchantStatus | 'all');
    // Card payments (Stripe Connect): each merchant's charges/payouts status, when Stripe is configured.
    const cards = ctx.config.STRIPE_SECRET_KEY
      ? await connectStatuses(
          db,
          rows.map((m) => m.id),
        )
      : undefined;
    const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'admin.merchants_title') });
    const token = reply.generateCsrf();
    const base = adminMerchantsPath(lang);
    const body = html`<section class="admin">
      <h1>${t(lang, 'admin.merchants_title')}</h1>
      ${Notice(done ? t(lang, `admin.done_${done}`) : undefined)}
      ${scope.all ? null : html`<p class="hint">${t(lang, 'membership.region_only')}</p>`}
      <nav aria-label=${t(lang, 'admin.filter')} class="tabs">
        ${STATUSES.map(
          (s) =>
            html`<a href=${`${base}?status=${s}`} aria-current=${s === status ? 'page' : undefined}>${t(lang, `admin.status_${s}`)}</a> `,
        )}
      </nav>
      ${
        rows.length
          ? html`<table class="data stack">
              <caption class="sr">${t(lang, `admin.status_${status}`)}</caption>
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'onboarding.business_name')}</th>
                  <th scope="col">${t(lang, 'onboarding.neq')}</th>
                  <th scope="col">${t(lang, 'onboarding.municipality')}</th>
                  <th scope="col">${t(lang, 'onboarding.associations')}</th>
                  <th scope="col">${t(lang, 'admin.status')}</th>
                  <th scope="col">${t(lang, 'admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (m) => html`<tr data-merchant=${m.id}>
                    <th scope="row">${m.display_name}<br /><small>${m.legal_name} · ${m.email ?? ''} · ${formatDate(m.created_at, lang)}</small></th>
                    <td>${m.neq ?? '—'}</td>
                    <td>${m.municipality}</td>
                    <td>${m.associations.join(', ')}</td>
                    <td><span class=${`badge s-${m.status}`}>${t(lang, `admin.status_${m.status}`)}</span>${cards ? StripeBadge(lang, cards.get(m.id)) : null}</td>
                    <td>
                      ${(['approved', 'suspended'] as const)
                        .filter((s) => scope.all && s !== m.status)
                        .map(
                          (s) => html`<form method="post" action=${`${base}/${m.id}/status`} class="inline">
                            ${Csrf(token)}<input type="hidden" name="status" value=${s} />
                            <button type="submit" class=${s === 'suspended' ? 'danger' : undefined} aria-label=${`${t(lang, `admin.action_${s}`)} ${m.display_name}`}>
                              ${t(lang, `admin.action_${s}`)}
                            </button>
                          </form>`,
                        )}
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="empty">${t(lang, 'admin.none')}</p>`
      }
    </section>`;
    return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
  }

  for (const lang of ['fr', 'en'] as const) {
    const base = adminMerchantsPath(lang);
    app.get(base, { schema: { hide: true, querystring: listQuery } }, (req, reply) => list(req, reply, lang));
    app.post(
      `${base}/:id/status`,
      { schema: { hide: true, params: idParams, body: statusBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireAnyAdmin(req, ctx);
        const { id } = req.params as z.infer<typeof idParams>;
        const { status } = req.body as z.infer<typeof statusBody>;
        const r = await setMerchantStatus(db, adminScope(user), id, status);
        req.log.info(
          { event: 'merchant_status', merchant_id: id, status, by: user.id },
          'merchant status changed',
        );
        await notifyMerchantStatus(ctx.mailer, publicBaseUrl(ctx.config), r, status);
        return reply.redirect(`${base}?done=${status}`, 303);
      },
    );
  }
}
