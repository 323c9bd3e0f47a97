import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatMoney, t } from '../../i18n/index.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import { activeMemberIds, getAssociation, getAssociationBySlug } from '../../modules/associations/index.ts';
import {
  activateGiftCard,
  csrfOnlyForm,
  type GiftCardIssueForm,
  giftCardFigures,
  giftCardIssueForm,
  issueGiftCard,
  issueInputOfForm,
  listCards,
  settlementReport,
} from '../../modules/giftcards/index.ts';
import { safeCell } from '../../modules/opendata/index.ts';
import { connectStatuses, giftCardSettlementStatus } from '../../modules/payments/index.ts';
import { adminScope, requireAnyAdmin, requireAssociationAdmin, requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { translateIssues } from '../errors.ts';
import { Csrf } from '../merchant/forms.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import { periodDay, periodOf } from '../period.ts';

const query = z.object({
  association: z.string().max(80).optional(),
  from: periodDay,
  to: periodDay,
  format: z.enum(['html', 'csv']).default('html'),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });

/**
 * Gift-card back-office: issue cards (admin-issued cards are active at once), activate cards
 * reserved online once paid at the office, and the settlement report: what each merchant is owed
 * for redemptions, the paid part and the sponsor's bonus part apart (HTML and CSV). Region admins
 * see everything; an association admin sees its association's cards and its members' settlement.
 */
export default async function adminGiftcardRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  /** Which association the page is about, checked against the user's roles. */
  async function scopeOf(req: FastifyRequest, slug: string | undefined) {
    if (slug) {
      const a = await getAssociationBySlug(db, slug);
      if (!a)
        throw new ValidationError([
          { field: 'association', message: 'merchant.unknown_association', params: { slugs: slug } },
        ]);
      const user = await requireAssociationAdmin(req, ctx, a.id);
      return { user, association: a };
    }
    const user = await requireAnyAdmin(req, ctx);
    const scope = adminScope(user);
    if (!scope.all) {
      // An association admin without ?association= sees their first association.
      const a = await getAssociation(db, scope.associationIds[0]);
      if (!a) throw notFound('association');
      return { user, association: a };
    }
    return { user, association: undefined };
  }

  /** The association's ACTIVE members: an invitation gives no view of a merchant's settlement. */
  const memberIds = (associationId: number) => activeMemberIds(db, [associationId]);

  for (const lang of ['fr', 'en'] as Lang[]) {
    const base = `/${lang}/admin/gift-cards`;

    async function page(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: { errors?: string[]; issued?: string } = {},
    ) {
      const q = req.query as z.infer<typeof query>;
      const { association } = await scopeOf(req, q.association);
      const period = periodOf(q);
      const scoped = association ? await memberIds(association.id) : undefined;
      // Real money (issue 15), for the same redemptions as the owed columns (those of the period):
      // transferred to each merchant's Stripe account to date, and still to transfer today.
      const money = await giftCardSettlementStatus(db, scoped, period);
      const [cards, report, figures] = await Promise.all([
        listCards(db, association ? { associationIds: [association.id] } : {}),
        settlementReport(db, period, scoped, money),
        giftCardFigures(db, { associationId: association?.id }),
      ]);
      const connected = await connectStatuses(
        db,
        report.map((r) => r.merchant_id),
      );
      if (q.format === 'csv') {
        const rows = [
          [
            'merchant_slug',
            'merchant',
            'redemptions',
            'paid_cents',
            'bonus_cents',
            'total_cents',
            'settled_cents',
            'pending_cents',
          ],
          ...report.map((r) => [
            safeCell(r.slug),
            safeCell(r.display_name),
            r.redemptions,
            r.paid_cents,
            r.bonus_cents,
            r.total_cents,
            r.settled_cents,
            r.pending_cents,
          ]),
        ];
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="gift-card-settlement.csv"')
          .header('cache-control', 'no-store')
          .send(stringify(rows, { record_delimiter: '\r\n' }));
      }
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'admin_gc.title') });
      const token = reply.generateCsrf();
      const qs = association ? `?association=${association.slug}` : '';
      const body = html`<section class="admin">
        <h1>${t(lang, 'admin_gc.title')}${association ? ` · ${association.name}` : ''}</h1>
        ${opts.issued ? html`<div class="notice ok" role="status">${t(lang, 'admin_gc.issued')} <strong class="gift-code">${opts.issued}</strong></div>` : null}
        ${opts.errors?.length ? html`<div class="notice error" role="alert"><ul>${opts.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : null}
        <dl class="figures">
          <div><dt>${t(lang, 'admin_gc.cards')}</dt><dd>${figures.cards}</dd></div>
          <div><dt>${t(lang, 'admin_gc.sold')}</dt><dd>${formatMoney(figures.sold_cents, lang)}</dd></div>
          <div><dt>${t(lang, 'admin_gc.float_paid')}</dt><dd>${formatMoney(figures.float_paid_cents, lang)}</dd></div>
          <div><dt>${t(lang, 'admin_gc.float_bonus')}</dt><dd>${formatMoney(figures.float_bonus_cents, lang)}</dd></div>
          <div><dt>${t(lang, 'admin_gc.redeemed')}</dt><dd>${formatMoney(figures.redeemed_cents, lang)}</dd></div>
        </dl>
        <h2 id="set-h">${t(lang, 'admin_gc.settlement')}</h2>
        <form method="get" action=${base}>
          ${association ? html`<input type="hidden" name="association" value=${association.slug} />` : null}
          <label for="f-from">${t(lang, 'impact.from')}</label><input id="f-from" name="from" type="date" value=${q.from ?? ''} />
          <label for="f-to">${t(lang, 'impact.to')}</label><input id="f-to" name="to" type="date" value=${q.to ?? ''} />
          <button type="submit">${t(lang, 'impact.apply')}</button>
        </form>
        <p data-settlement-note>${t(lang, 'settlement.report_note')}</p>
        <table class="data stack" aria-labelledby="set-h">
          <thead><tr><th scope="col">${t(lang, 'giftcard.merchant')}</th><th scope="col">${t(lang, 'admin_gc.redemptions')}</th><th scope="col">${t(lang, 'giftcard.paid_part')}</th><th scope="col">${t(lang, 'giftcard.bonus_part')}</th><th scope="col">${t(lang, 'admin_gc.owed')}</th><th scope="col">${t(lang, 'settlement.settled_to_date')}</th><th scope="col">${t(lang, 'settlement.pending_today')}</th></tr></thead>
          <tbody>${report.map((r) => html`<tr data-merchant=${r.merchant_id}><th scope="row">${r.display_name}</th><td>${r.redemptions}</td><td>${formatMoney(r.paid_cents, lang)}</td><td>${formatMoney(r.bonus_cents, lang)}</td><td>${formatMoney(r.total_cents, lang)}</td><td data-settled=${r.settled_cents}>${formatMoney(r.settled_cents, lang)}</td><td data-pending=${r.pending_cents}>${formatMoney(r.pending_cents, lang)}${r.pending_cents > 0 && !connected.get(r.merchant_id)?.payouts_enabled ? html` <small data-not-connected>(${t(lang, 'giftcard.not_connected')})</small>` : null}</td></tr>`)}</tbody>
        </table>
        <p><a href=${`${base}?${new URLSearchParams({ ...(association ? { association: association.slug } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}), format: 'csv' })}`}>${t(lang, 'impact.csv')}</a></p>

        <h2>${t(lang, 'admin_gc.issue')}</h2>
        <form method="post" action=${`${base}${qs}`}>
          ${Csrf(token)}
          <label for="i-amount">${t(lang, 'admin_gc.amount_dollars')}</label><input id="i-amount" name="amount" inputmode="numeric" required />
          <label for="i-bonus">${t(lang, 'admin_gc.bonus_percent')}</label><input id="i-bonus" name="bonus_percent" inputmode="numeric" />
          <label for="i-until">${t(lang, 'admin_gc.bonus_until')}</label><input id="i-until" name="bonus_expires_at" type="date" />
          <label for="i-sponsor">${t(lang, 'admin_gc.sponsor')}</label><input id="i-sponsor" name="sponsor" />
          <label for="i-name">${t(lang, 'giftcard.buyer_name')}</label><input id="i-name" name="name" />
          <label for="i-email">${t(lang, 'giftcard.buyer_email')}</label><input id="i-email" name="email" type="email" />
          <button type="submit">${t(lang, 'admin_gc.issue_submit')}</button>
        </form>

        <h2>${t(lang, 'admin_gc.cards')}</h2>
        <table class="data stack">
          <thead><tr><th scope="col">#</th><th scope="col">${t(lang, 'giftcard.code')}</th><th scope="col">${t(lang, 'admin_gc.status')}</th><th scope="col">${t(lang, 'giftcard.paid_part')}</th><th scope="col">${t(lang, 'giftcard.bonus_part')}</th><th scope="col">${t(lang, 'giftcard.buyer_name')}</th><th scope="col"></th></tr></thead>
          <tbody>
            ${cards.map(
              (c) => html`<tr data-card=${c.id}>
                <th scope="row">${c.id}</th><td>…${c.code_last4}</td><td>${t(lang, `admin_gc.status_${c.status}`)}</td>
                <td>${formatMoney(c.paid_balance_cents, lang)} / ${formatMoney(c.paid_cents, lang)}</td>
                <td>${formatMoney(c.bonus_balance_cents, lang)} / ${formatMoney(c.bonus_cents, lang)}</td>
                <td>${c.buyer_name ?? ''} ${c.buyer_email ? html`<small>${c.buyer_email}</small>` : null}</td>
                <td>${
                  c.status === 'pending'
                    ? html`<form method="post" action=${`${base}/${c.id}/activate${qs}`} class="inline">${Csrf(token)}<button type="submit">${t(lang, 'admin_gc.activate')}</button></form>`
                    : null
                }</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </section>`;
      return sendHtml(
        reply.header('cache-control', 'no-store'),
        renderDocument(Layout(pc, body)),
        opts.errors ? 400 : 200,
      );
    }

    app.get(base, { schema: { hide: true, querystring: query } }, (req, reply) => page(req, reply));

    app.post(
      base,
      { schema: { hide: true, querystring: query, body: giftCardIssueForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const q = req.query as z.infer<typeof query>;
        const { user, association } = await scopeOf(req, q.association);
        // A regional card (no association) is the region admins' to issue.
        if (!association) await requireRegionAdmin(req, ctx);
        const form = req.body as GiftCardIssueForm;
        try {
          const card = await issueGiftCard(db, {
            ...issueInputOfForm(form),
            associationId: association?.id ?? null,
            status: 'active',
          });
          req.log.info({ event: 'gift_card_issued', card_id: card.id, by: user.id }, 'gift card issued');
          return page(req, reply, { issued: card.code });
        } catch (err) {
          if (err instanceof ValidationError)
            return page(req, reply, { errors: translateIssues(lang, err.issues).map((i) => i.message) });
          throw err;
        }
      },
    );

    app.post(
      `${base}/:id/activate`,
      {
        schema: { hide: true, params: idParams, querystring: query, body: csrfOnlyForm },
        preHandler: app.csrfProtection,
      },
      async (req, reply) => {
        const { id } = req.params as z.infer<typeof idParams>;
        const q = req.query as z.infer<typeof query>;
        const { user, association } = await scopeOf(req, q.association);
        const scope = adminScope(user);
        // Region admins activate any card; an association admin only its association's cards.
        await activateGiftCard(db, id, scope.all && !association ? undefined : [association?.id ?? -1]);
        req.log.info({ event: 'gift_card_activated', card_id: id, by: user.id }, 'gift card activated');
        return reply.redirect(`${base}${association ? `?association=${association.slug}` : ''}`, 303);
      },
    );
  }
}
