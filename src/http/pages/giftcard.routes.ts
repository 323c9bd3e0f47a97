import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatDate, formatMoney, t } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { getAssociationBySlug } from '../../modules/associations/index.ts';
import {
  centsOfDollars,
  checkBalance,
  FIXED_AMOUNTS_CENTS,
  type GiftCardPurchaseForm,
  giftCardBalanceForm,
  giftCardPurchaseForm,
  issueGiftCard,
  MAX_AMOUNT_CENTS,
  MIN_AMOUNT_CENTS,
  participatingMerchants,
} from '../../modules/giftcards/index.ts';
import { stripeClient } from '../../modules/payments/index.ts';
import { buyGiftCardByCard, finishGiftCardByCard } from '../../workflows/giftcard-purchase.ts';
import type { AppContext } from '../context.ts';
import { translateIssues } from '../errors.ts';
import { Csrf, Notice } from '../merchant/forms.ts';
import { formatDay } from './campaign-banner.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const pageQuery = z.object({ association: z.string().max(80).optional() });

export const giftcardPath = (lang: Lang, rest = '') => localPath(lang, 'giftcards', rest);
const balanceSuffix = (lang: Lang) => (lang === 'fr' ? '/solde' : '/balance');
const buySuffix = (lang: Lang) => (lang === 'fr' ? '/achat' : '/buy');

/**
 * The regional gift card for the public: terms (no expiry on the paid amount, no fees, bonus
 * validity stated), where it is accepted, a purchase form and the balance check.
 *
 * Buying online records a PENDING card paid at the association's office (or the region's), which
 * an admin then activates; with Stripe configured the buyer may pay by card instead (Payment
 * Element, static/js/card-payment.js; without JavaScript the office path stays): the card becomes
 * usable when Stripe's webhook confirms the payment (src/workflows/giftcard-purchase.ts). The
 * code is shown once on the confirmation page and e-mailed to the buyer.
 */
export default async function giftcardPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  // Card is offered only with Stripe configured (the keys go together, src/config.ts).
  const stripe = stripeClient(ctx.config);
  const cardOn = Boolean(stripe && ctx.config.STRIPE_PUBLISHABLE_KEY);

  /**
   * The code is e-mailed, then shown once on the confirmation page (never cached): a card paid by
   * card ("paid", active once Stripe confirms) or ordered for payment at the office ("ordered").
   */
  async function sendCode(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    email: string,
    card: { code: string; paid_cents: number },
    kind: 'paid' | 'ordered',
  ) {
    const amount = formatMoney(card.paid_cents, lang);
    await ctx.mailer.send({
      to: email,
      subject: t(lang, 'giftcard.mail_subject'),
      text: t(lang, kind === 'paid' ? 'giftcard.paid_mail_body' : 'giftcard.mail_body', {
        code: card.code,
        amount,
      }),
      lang,
      kind: 'gift_card_ordered',
    });
    const title = t(lang, `giftcard.${kind}_title`);
    const pc = await pageContext(req, reply, ctx, lang, { title });
    const body = html`<section class="narrow">
      <h1>${title}</h1>
      ${Notice(t(lang, `giftcard.${kind}_lead`, { amount }))}
      <p>${t(lang, 'giftcard.your_code')}</p>
      <p><strong class="gift-code" style="font:1.5rem monospace">${card.code}</strong></p>
      <p>${t(lang, 'giftcard.keep_code')}</p>
      <p><a href=${giftcardPath(lang)}>${t(lang, 'giftcard.back')}</a></p>
    </section>`;
    return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)), 201);
  }

  async function renderPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    opts: {
      association?: string;
      errors?: { field: string; message: string }[];
      status?: number;
      method?: 'office' | 'card';
      /** 3-D Secure asked: the page runs the bank's challenge and resubmits (card-payment.js). */
      cardAction?: { payment_intent: string; client_secret: string; code: string };
      notice?: string;
      values?: { name: string; email: string };
    } = {},
  ) {
    const a = opts.association ? await getAssociationBySlug(db, opts.association) : undefined;
    const merchants = await participatingMerchants(db, a?.id ?? null);
    const title = a ? t(lang, 'giftcard.title_of', { name: a.short_name }) : t(lang, 'giftcard.title');
    const pc = await pageContext(req, reply, ctx, lang, {
      title,
      ...(cardOn ? { scripts: [ctx.config.STRIPE_JS_URL, '/static/js/card-payment.js?v=3'] } : {}),
    });
    const token = reply.generateCsrf();
    const method = opts.method ?? 'office';
    const body = html`<section class="giftcards">
      <h1>${title}</h1>
      <p class="lead">${t(lang, 'giftcard.lead')}</p>
      <h2>${t(lang, 'giftcard.terms_title')}</h2>
      <ul>
        <li>${t(lang, 'giftcard.terms_no_expiry')}</li>
        <li>${t(lang, 'giftcard.terms_no_fees')}</li>
        <li>${t(lang, 'giftcard.terms_bonus')}</li>
        <li>${t(lang, 'giftcard.terms_where')}</li>
        <li>${t(lang, 'giftcard.terms_balance')}</li>
      </ul>
      ${opts.notice ? html`<p class="notice" role="alert">${opts.notice}</p>` : null}
      ${
        opts.errors?.length
          ? html`<div role="alert" class="notice error"><ul>${opts.errors.map((e) => html`<li>${e.message}</li>`)}</ul></div>`
          : null
      }
      <h2 id="buy-h">${t(lang, 'giftcard.buy')}</h2>
      <form method="post" action=${giftcardPath(lang, buySuffix(lang))} aria-labelledby="buy-h">
        ${Csrf(token)}
        <input type="hidden" name="association" value=${a?.slug ?? ''} />
        <fieldset>
          <legend>${t(lang, 'giftcard.amount')}</legend>
          ${FIXED_AMOUNTS_CENTS.map(
            (c, i) =>
              html`<label><input type="radio" name="amount" value=${String(c / 100)} checked=${i === 1} /> ${formatMoney(c, lang)}</label> `,
          )}
          <label><input type="radio" name="amount" value="custom" /> ${t(lang, 'giftcard.other_amount')}</label>
          <label for="custom_amount">${t(lang, 'giftcard.custom_label', { min: MIN_AMOUNT_CENTS / 100, max: MAX_AMOUNT_CENTS / 100 })}</label>
          <input id="custom_amount" name="custom_amount" type="number" min=${MIN_AMOUNT_CENTS / 100} max=${MAX_AMOUNT_CENTS / 100} step="1" inputmode="numeric" />
        </fieldset>
        <label for="gc-name">${t(lang, 'giftcard.buyer_name')}</label>
        <input id="gc-name" name="name" autocomplete="name" required value=${opts.values?.name ?? ''} />
        <label for="gc-email">${t(lang, 'giftcard.buyer_email')}</label>
        <input id="gc-email" name="email" type="email" autocomplete="email" required value=${opts.values?.email ?? ''} />
        ${
          cardOn
            ? html`<fieldset>
                <legend>${t(lang, 'giftcard.pay_how')}</legend>
                <div class="choice">
                  <input type="radio" id="gc-pay-office" name="payment_method" value="office" checked=${method === 'office'} />
                  <label for="gc-pay-office">${t(lang, 'giftcard.pay_office_choice')}</label>
                </div>
                <div class="choice" data-card-choice hidden>
                  <input type="radio" id="gc-pay-card" name="payment_method" value="card" checked=${method === 'card'} />
                  <label for="gc-pay-card">${t(lang, 'giftcard.pay_card_choice')}</label>
                </div>
                <div class="card-entry" data-card-entry hidden data-stripe-key=${ctx.config.STRIPE_PUBLISHABLE_KEY} data-amount=${String(FIXED_AMOUNTS_CENTS[1])} data-amount-from-form data-lang=${lang} data-action-secret=${opts.cardAction?.client_secret} data-action-intent=${opts.cardAction?.payment_intent}>
                  <div id="card-element"></div>
                  <input type="hidden" name="card_payment_method" value="" />
                  <input type="hidden" name="card_payment_intent" value="" />
                  ${opts.cardAction ? html`<input type="hidden" name="card_code" value=${opts.cardAction.code} />` : null}
                  <p class="hint">${t(lang, 'giftcard.card_hint')}</p>
                  <p class="error" role="alert" data-card-error hidden data-retry=${t(lang, 'payment.card_unreachable')}></p>
                </div>
              </fieldset>`
            : null
        }
        <p>${t(lang, 'giftcard.pay_at_office')}</p>
        <button type="submit">${t(lang, 'giftcard.buy_submit')}</button>
      </form>
      <h2 id="bal-h">${t(lang, 'giftcard.balance_title')}</h2>
      <form method="post" action=${giftcardPath(lang, balanceSuffix(lang))} aria-labelledby="bal-h">
        ${Csrf(token)}
        <label for="gc-code">${t(lang, 'giftcard.code')}</label>
        <input id="gc-code" name="code" autocomplete="off" spellcheck="false" placeholder="XXXX-XXXX-XXXX-XXXX" required />
        <button type="submit">${t(lang, 'giftcard.balance_submit')}</button>
      </form>
      <h2>${t(lang, 'giftcard.where_title', { count: merchants.length })}</h2>
      <ul class="chips">
        ${merchants.map((m) => html`<li><a href=${`/${lang}/m/${m.slug}`}>${m.display_name}</a></li>`)}
      </ul>
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      opts.status ?? 200,
    );
  }

  for (const lang of ['fr', 'en'] as Lang[]) {
    app.get(giftcardPath(lang), { schema: { hide: true, querystring: pageQuery } }, async (req, reply) => {
      const { association } = req.query as z.infer<typeof pageQuery>;
      return renderPage(req, reply, lang, { association });
    });

    // The result pages answer POSTs; their language switch and a reload land here (GET): back to the form.
    for (const other of ['fr', 'en'] as Lang[])
      for (const suffix of [buySuffix(other), balanceSuffix(other)])
        app.get(giftcardPath(lang, suffix), { schema: { hide: true } }, (_req, reply) =>
          reply.redirect(giftcardPath(lang), 303),
        );

    app.post(
      giftcardPath(lang, buySuffix(lang)),
      {
        schema: { hide: true, body: giftCardPurchaseForm },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 10, timeWindow: '10 minutes' } },
      },
      async (req, reply) => {
        const input = req.body as GiftCardPurchaseForm;
        const a = input.association ? await getAssociationBySlug(db, input.association) : undefined;
        const dollars = input.amount === 'custom' ? input.custom_amount : input.amount;
        const paidCents = centsOfDollars(dollars);
        const issues: { field: string; message: string }[] = [];
        if (!input.name) issues.push({ field: 'name', message: 'field.required' });
        if (!z.email().safeParse(input.email).success)
          issues.push({ field: 'email', message: 'field.invalid_email' });
        const byCard = cardOn && input.payment_method === 'card';
        if (byCard) {
          try {
            if (issues.length) throw new ValidationError(issues);
            // Back from the bank's 3-D Secure challenge: the card made before it, if its intent is paid.
            const card = input.card_payment_intent
              ? await finishGiftCardByCard(
                  db,
                  stripe,
                  { code: input.card_code, paymentIntent: input.card_payment_intent },
                  req.log,
                )
              : await buyGiftCardByCard(
                  db,
                  stripe,
                  {
                    paidCents,
                    associationId: a?.id ?? null,
                    buyerName: input.name,
                    buyerEmail: input.email,
                    paymentMethod: input.card_payment_method,
                  },
                  req.log,
                );
            req.log.info(
              { event: 'gift_card_paid', card_id: card.id, payment_intent: card.payment_intent_id },
              'gift card paid by card (active once Stripe confirms)',
            );
            return sendCode(req, reply, lang, input.email, card, 'paid');
          } catch (err) {
            const d = err instanceof AppError ? err.details : undefined;
            if (
              err instanceof AppError &&
              err.code === 'payment_action_required' &&
              typeof d?.payment_intent === 'string' &&
              typeof d.client_secret === 'string' &&
              typeof d.gift_card_code === 'string'
            )
              // 3-D Secure: the same form (200: a step, not a failure), whose script runs the challenge.
              return renderPage(req, reply, lang, {
                association: a?.slug,
                method: 'card',
                notice: t(lang, 'giftcard.card_action_required'),
                values: { name: input.name, email: input.email },
                cardAction: {
                  payment_intent: d.payment_intent,
                  client_secret: d.client_secret,
                  code: d.gift_card_code,
                },
              });
            if (err instanceof ValidationError)
              return renderPage(req, reply, lang, {
                association: a?.slug,
                errors: translateIssues(lang, err.issues),
                status: 400,
                method: 'card',
              });
            if (err instanceof AppError && err.status < 500)
              return renderPage(req, reply, lang, {
                association: a?.slug,
                errors: [{ field: 'payment', message: t(lang, err.messageKey) }],
                status: err.status,
                method: 'card',
              });
            throw err;
          }
        }
        try {
          if (issues.length) throw new ValidationError(issues);
          const card = await issueGiftCard(db, {
            paidCents,
            associationId: a?.id ?? null,
            buyerName: input.name,
            buyerEmail: input.email,
            status: 'pending',
          });
          req.log.info({ event: 'gift_card_ordered', card_id: card.id }, 'gift card ordered (pending)');
          return sendCode(req, reply, lang, input.email, card, 'ordered');
        } catch (err) {
          if (err instanceof ValidationError)
            return renderPage(req, reply, lang, {
              association: a?.slug,
              errors: translateIssues(lang, err.issues),
              status: 400,
            });
          throw err;
        }
      },
    );

    app.post(
      giftcardPath(lang, balanceSuffix(lang)),
      {
        schema: { hide: true, body: giftCardBalanceForm },
        preHandler: app.csrfProtection,
        // Per address, on top of the lock-out after 10 failed codes (checkBalance).
        config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      },
      async (req, reply) => {
        const { code } = req.body as z.infer<typeof giftCardBalanceForm>;
        let bal: Awaited<ReturnType<typeof checkBalance>>;
        try {
          bal = await checkBalance(db, code, req.ip);
        } catch (err) {
          if (err instanceof AppError && (err.code === 'not_found' || err.code === 'rate_limited')) {
            req.log.warn(
              { event: 'gift_card_lookup_failed', ip: req.ip, code: err.code },
              'gift card look-up refused',
            );
            return renderPage(req, reply, lang, {
              errors: [{ field: 'code', message: t(lang, err.messageKey) }],
              status: err.status,
            });
          }
          throw err;
        }
        const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'giftcard.balance_title') });
        const total = bal.paid_balance_cents + bal.bonus_balance_cents;
        const body = html`<section class="narrow">
          <h1>${t(lang, 'giftcard.balance_title')}</h1>
          <p>${t(lang, 'giftcard.card_ending', { last4: bal.last4 })}${bal.association ? ` · ${bal.association.name}` : ''}</p>
          ${bal.status === 'pending' ? Notice(t(lang, 'giftcard.not_active'), 'error') : null}
          <dl class="balance">
            <dt>${t(lang, 'giftcard.total_balance')}</dt><dd><strong>${formatMoney(total, lang)}</strong></dd>
            <dt>${t(lang, 'giftcard.paid_part')}</dt><dd>${formatMoney(bal.paid_balance_cents, lang)} (${t(lang, 'giftcard.no_expiry')})</dd>
            ${
              bal.bonus_cents > 0
                ? html`<dt>${t(lang, 'giftcard.bonus_part')}${bal.sponsor ? ` (${bal.sponsor})` : ''}</dt>
                  <dd>${formatMoney(bal.bonus_balance_cents, lang)} · ${t(lang, bal.bonus_expired ? 'giftcard.bonus_expired_on' : 'giftcard.bonus_valid_until', { date: formatDay(bal.bonus_expires_at as string, lang) })}</dd>`
                : null
            }
          </dl>
          <h2>${t(lang, 'giftcard.history')}</h2>
          <table class="data">
            <thead><tr><th scope="col">${t(lang, 'giftcard.date')}</th><th scope="col">${t(lang, 'giftcard.operation')}</th><th scope="col">${t(lang, 'giftcard.merchant')}</th><th scope="col">${t(lang, 'giftcard.amount')}</th></tr></thead>
            <tbody>
              ${bal.ledger.map(
                (l) => html`<tr>
                  <td>${formatDate(l.created_at, lang)}</td>
                  <td>${t(lang, `giftcard.kind_${l.kind}`)}</td>
                  <td>${l.merchant_name ?? ''}</td>
                  <td>${formatMoney(l.paid_delta_cents + l.bonus_delta_cents, lang)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <p><a href=${giftcardPath(lang)}>${t(lang, 'giftcard.back')}</a></p>
        </section>`;
        return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
      },
    );
  }
}
