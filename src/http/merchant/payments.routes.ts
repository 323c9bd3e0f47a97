import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import { formatDate, formatMoney, type Lang, t } from '../../i18n/index.ts';
import {
  type ConnectStatus,
  connectStatus,
  currentFeeBps,
  merchantStatement,
  refreshAccountStatus,
  startOnboarding,
  stripeClient,
} from '../../modules/payments/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { html } from '../pages/html.ts';
import { periodDay, periodOf } from '../period.ts';
import { Csrf, Notice } from './forms.ts';
import { bo, renderBo } from './layout.ts';
import { actionForm, labelCells } from './page-kit.ts';

/** The statement's period (days, `to` excluded); none = every sale since the start. */
const statementQuery = z.object({ from: periodDay, to: periodDay });

/** Where a merchant stands with cards: taking them, onboarding under way, or not connected. */
const cardState = (s: ConnectStatus | undefined) =>
  s?.charges_enabled ? 'enabled' : s?.connected ? 'pending' : 'none';

/** The status badge of each card state (`.badge.s-*`: green done, amber waiting, plain not started). */
const CARD_BADGE = { enabled: 's-completed', pending: 's-pending', none: '' } as const;

/** A merchant's card payment status in the operator's merchants list. */
export function StripeBadge(lang: Lang, s: ConnectStatus | undefined) {
  const yes = (v: boolean | undefined) => t(lang, v ? 'stripe.yes' : 'stripe.no');
  return html`<br /><small data-cards=${cardState(s)}>${
    s?.connected
      ? t(lang, 'stripe.admin_status', { charges: yes(s.charges_enabled), payouts: yes(s.payouts_enabled) })
      : t(lang, 'stripe.admin_not_connected')
  }</small>`;
}

/**
 * "Accepter les cartes / Accept card payments" and "Paiements / Payouts" (owners only): Stripe
 * Connect onboarding through an Account Link (docs/decisions/0007), the account's status, the
 * platform fee, and the statement (charged, refunded, transferred, platform fee, pending).
 */
export default async function merchantPaymentsPages(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  const owner = (req: FastifyRequest) => requireMerchantRole(req, ctx, { owner: true });
  const stripe = stripeClient(ctx.config);

  for (const lang of ['fr', 'en'] as const) {
    const page = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      opts: { notice?: string; error?: string; status?: number; refresh?: boolean } = {},
    ) => {
      const token = reply.generateCsrf();
      const title = t(lang, 'stripe.title');
      if (!stripe)
        return renderBo(req, reply, ctx, lang, access, {
          section: 'payments',
          title,
          body: html`<h1>${title}</h1>
            <p class="notice warn" role="status">${t(lang, 'stripe.not_configured')}</p>`,
        });
      let s = await connectStatus(db, access.merchantId);
      let error = opts.error;
      if (opts.refresh && s.connected)
        s = await refreshAccountStatus(db, stripe, access.merchantId).catch((err: unknown) => {
          // The page still shows the stored status with a notice; the reason goes to the log.
          req.log.warn({ err }, 'stripe account status refresh failed');
          error = t(lang, 'stripe.unreachable');
          return s;
        });
      // Validated by the route's schema (a bad day is a 400); the other routes of this page have none.
      const q = statementQuery.safeParse(req.query).data ?? {};
      const st = await merchantStatement(db, access.merchantId, periodOf(q));
      // The region's rate now (what a new card order pays); each statement line keeps its own rate.
      const pct = (bps: number) => String(bps / 100).replace('.', lang === 'fr' ? ',' : '.');
      const feeBps = await currentFeeBps(db, ctx.config.PLATFORM_FEE_PERCENT);
      const statusText = !s.connected
        ? t(lang, 'stripe.status.not_connected')
        : s.charges_enabled
          ? t(lang, 'stripe.status.charges_enabled')
          : t(lang, 'stripe.status.pending');
      const money = (c: number) => formatMoney(c, lang);
      const columns = [t(lang, 'stripe.date'), t(lang, 'stripe.what'), t(lang, 'stripe.amount')];
      const body = html`<h1>${title}</h1>
        <p>${t(lang, 'stripe.intro')}</p>
        <p data-platform-fee=${String(feeBps / 100)}>${t(lang, 'stripe.fee_notice', { percent: pct(feeBps) })}</p>
        ${Notice(opts.notice)}
        ${error ? html`<p class="notice error" role="alert">${error}</p>` : null}
        <section aria-labelledby="stripe-status">
          <h2 id="stripe-status">${t(lang, 'stripe.payouts_title')}</h2>
          <ul class="cards pay-status">
            <li class="card" data-stripe-status=${cardState(s)}>
              <h3>${t(lang, 'bo_pay.cards_title')}</h3>
              <p><span class=${`badge ${CARD_BADGE[cardState(s)]}`}>${t(lang, `bo_pay.cards.${cardState(s)}`)}</span></p>
              <p>${statusText}</p>
            </li>
            ${
              s.connected
                ? html`<li class="card" data-payouts=${s.payouts_enabled ? 'enabled' : 'disabled'}>
                    <h3>${t(lang, 'bo_pay.payouts_title')}</h3>
                    <p><span class=${`badge ${s.payouts_enabled ? 's-completed' : 's-pending'}`}>${t(lang, s.payouts_enabled ? 'bo_pay.payouts.enabled' : 'bo_pay.payouts.disabled')}</span></p>
                    <p>${t(lang, s.payouts_enabled ? 'stripe.status.payouts_enabled' : 'stripe.status.payouts_disabled')}</p>
                  </li>`
                : null
            }
          </ul>
          <div class="actions">
            ${
              s.charges_enabled && s.payouts_enabled
                ? null
                : html`<form class="inline" method="post" action=${bo(lang, 'payments', '/stripe')}>
                    ${Csrf(token)}
                    <button type="submit">${t(lang, s.connected ? 'stripe.continue' : 'stripe.accept')}</button>
                  </form>`
            }
            ${s.connected ? html`<a class="button secondary" href=${bo(lang, 'payments', '/retour')}>${t(lang, 'stripe.refresh')}</a>` : null}
          </div>
        </section>
        <section aria-labelledby="stripe-statement">
          <h2 id="stripe-statement">${t(lang, 'stripe.lines')}</h2>
          <p data-statement-fee=${String(feeBps)}>${t(lang, 'stripe.statement_fee', { percent: pct(feeBps) })}</p>
          <form method="get" action=${bo(lang, 'payments')} class="period">
            <label for="st-from">${t(lang, 'impact.from')}</label><input id="st-from" name="from" type="date" value=${q.from ?? ''} />
            <label for="st-to">${t(lang, 'impact.to')}</label><input id="st-to" name="to" type="date" value=${q.to ?? ''} />
            <button type="submit">${t(lang, 'impact.apply')}</button>
          </form>
          <p data-statement-note>${t(lang, q.from || q.to ? 'settlement.statement_note' : 'settlement.statement_all')}</p>
          <dl class="totals statement" data-statement data-from=${q.from ?? ''} data-to=${q.to ?? ''}>
            <dt>${t(lang, 'stripe.charged')}</dt><dd data-charged=${st.charged_cents}>${money(st.charged_cents)}</dd>
            <dt>${t(lang, 'stripe.refunded')}</dt><dd data-refunded=${st.refunded_cents}>${money(st.refunded_cents)}</dd>
            <dt>${t(lang, 'stripe.gift_cards')}</dt><dd data-gift-cards=${st.gift_card_redeemed_cents}>${money(st.gift_card_redeemed_cents)}</dd>
            ${st.gift_card_returned_cents ? html`<dt>${t(lang, 'settlement.gift_cards_returned')}</dt><dd data-gift-cards-returned=${st.gift_card_returned_cents}>${money(-st.gift_card_returned_cents)}</dd>` : null}
            <dt>${t(lang, 'stripe.platform_fee')}</dt><dd data-fee=${st.platform_fee_cents}>${money(st.platform_fee_cents)}</dd>
            <dt>${t(lang, 'stripe.transferred')}</dt><dd data-transferred=${st.transferred_cents}>${money(st.transferred_cents)}</dd>
            <dt>${t(lang, 'settlement.pending_today_statement')}</dt><dd data-pending=${st.pending_cents}>${money(st.pending_cents)}</dd>
          </dl>
          ${
            st.lines.length
              ? html`<table class="data stack statement-lines">
                  <thead><tr>
                    <th scope="col">${t(lang, 'stripe.date')}</th>
                    <th scope="col">${t(lang, 'stripe.what')}</th>
                    <th scope="col" class="num">${t(lang, 'stripe.amount')}</th>
                  </tr></thead>
                  <tbody>${st.lines.map((l) =>
                    labelCells(
                      lang,
                      html`<tr data-kind=${l.kind}>
                      <td><time datetime=${l.created_at}>${formatDate(l.created_at, lang)}</time></td>
                      <th scope="row">${t(lang, `stripe.kind.${l.kind}`)} · ${t(lang, 'stripe.checkout', { checkout: l.checkout_id })}${l.kind === 'charge' && l.fee_bps != null ? html` · <span data-fee-rate=${String(l.fee_bps)}>${t(lang, 'stripe.line_fee_rate', { percent: pct(l.fee_bps) })}</span>` : null}</th>
                      <td class="num">${money(l.amount_cents)}</td>
                    </tr>` as VNode,
                      columns,
                    ),
                  )}</tbody>
                </table>`
              : html`<p class="empty">${t(lang, 'stripe.no_lines')}</p>`
          }
        </section>`;
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        { section: 'payments', title, body, status: opts.status },
        token,
      );
    };

    /** Creates the account once, then a fresh Account Link, and sends the owner to Stripe. */
    const onboard = async (req: FastifyRequest, reply: FastifyReply) => {
      const access = await owner(req);
      const base = publicBaseUrl(ctx.config);
      try {
        const url = await startOnboarding(db, stripe, access.merchantId, {
          refreshUrl: `${base}${bo(lang, 'payments', '/stripe/reprendre')}`,
          returnUrl: `${base}${bo(lang, 'payments', '/retour')}`,
        });
        return reply.redirect(url, 303);
      } catch (err) {
        req.log.error({ err }, 'stripe onboarding failed');
        return page(req, reply, access, { error: t(lang, 'stripe.unreachable'), status: 502 });
      }
    };

    app.get(
      bo(lang, 'payments'),
      { schema: { hide: true, querystring: statementQuery } },
      async (req, reply) => page(req, reply, await owner(req)),
    );
    app.post(
      bo(lang, 'payments', '/stripe'),
      { schema: { hide: true, body: actionForm }, preHandler: app.csrfProtection },
      onboard,
    );
    // Stripe sends the owner here when the link expired or was already used: a new link.
    app.get(bo(lang, 'payments', '/stripe/reprendre'), { schema: { hide: true } }, onboard);
    // Back from Stripe: the account is read now (the webhook may come later).
    app.get(bo(lang, 'payments', '/retour'), { schema: { hide: true } }, async (req, reply) =>
      page(req, reply, await owner(req), { refresh: true }),
    );
  }
}
