/**
 * The checkout page's form plumbing (flat form fields ↔ the API's checkout body, field errors)
 * and its confirmation page (signed link to the orders of one checkout).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Lang, t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import {
  formatSlot,
  giftCardLines,
  orderAccessToken,
  ordersOfCheckout,
  regionTimeZone,
  trackingPath,
} from '../../modules/orders/index.ts';
import { promoCodeOf } from '../../workflows/promo.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { Money } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

/** The checkout form's fields, as posted. */
export type Form = Record<string, string>;
/** Field errors of the checkout form, by field name (translated). */
export type Errors = Record<string, string>;

/** The signature of a checkout's confirmation link. */
export const checkoutSignature = (secret: string, checkoutId: number) =>
  createHmac('sha256', secret).update(`checkout:${checkoutId}`).digest('base64url');

/** Flat form fields -> the API's checkout body. */
export function formToInput(form: Form, merchantIds: number[]) {
  const fulfilment: Record<string, unknown> = {};
  for (const id of merchantIds) {
    const choice = form[`f_${id}`] ?? '';
    const method = choice.split(':')[0];
    if (method === 'pickup') {
      const loc = choice.split(':')[1];
      // One slot select per pickup store; the chosen store's is the one sent ('' = no preference).
      const slot = form[`f_${id}_slot_${loc}`];
      fulfilment[id] = { method, location_id: loc, ...(slot ? { slot } : {}) };
    } else if (method === 'delivery')
      fulfilment[id] = {
        method,
        address: {
          line1: form[`f_${id}_line1`] ?? '',
          line2: form[`f_${id}_line2`] || undefined,
          city: form[`f_${id}_city`] ?? '',
          postal_code: form[`f_${id}_postal_code`] ?? '',
        },
      };
  }
  return {
    customer: { name: form.name ?? '', email: form.email ?? '', phone: form.phone || null },
    fulfilment,
    payment: {
      method: form.payment_method || 'in_store',
      ...(form.gift_card_code ? { code: form.gift_card_code } : {}),
      // The PaymentMethod Stripe.js created from the Payment Element (static/js/card-payment.js).
      ...(form.payment_method === 'card' && form.card_payment_method
        ? { payment_method: form.card_payment_method }
        : {}),
      // The PaymentIntent brought back from a 3-D Secure challenge (Stripe.js handleNextAction).
      ...(form.payment_method === 'card' && form.card_payment_intent
        ? { payment_intent: form.card_payment_intent }
        : {}),
    },
    ...(promoCodeOf(form.promo_code) ? { promo_code: form.promo_code } : {}),
  };
}

/** API field paths -> the form's field names (address parts sit under their own inputs). */
export function issuesToForm(
  lang: Lang,
  issues: { field: string; message: string; params?: Record<string, string | number> }[],
): Errors {
  const e: Errors = {};
  for (const i of issues) {
    const field = i.field
      .replace(/^fulfilment\.(\d+)\.address\.(line1|line2|city|postal_code)$/, (_m, id, k) => `f_${id}_${k}`)
      // The gift card's problems (no balance, unknown code) go next to its code field.
      .replace(/^payment\.code$/, 'gift_card_code');
    e[field] ??= t(lang, i.message, i.params);
  }
  return e;
}

/** Which fulfilment choices and code a displayed total was quoted for (a hidden field). */
export const quoteKey = (input: unknown) =>
  createHash('sha256').update(JSON.stringify(input)).digest('base64url').slice(0, 22);

export const err = (errors: Errors, field: string) =>
  errors[field]
    ? html`<p class="field-error" id=${`e-${field.replace(/\./g, '-')}`}>${errors[field]}</p>`
    : null;
export const invalid = (errors: Errors, field: string) =>
  errors[field] ? { 'aria-invalid': 'true', 'aria-describedby': `e-${field.replace(/\./g, '-')}` } : {};

/** The confirmation page of a checkout (signed link): its orders, slots and gift card parts. */
export function confirmationPage(app: FastifyInstance, ctx: AppContext, lang: Lang) {
  const { db } = ctx.database;
  app.get(
    `${localPath(lang, 'checkout')}/confirmation/:id`,
    { schema: { hide: true } },
    async (req, reply) => {
      const id = Number((req.params as { id: string }).id);
      const s = String((req.query as { s?: string }).s ?? '');
      const expected = Buffer.from(checkoutSignature(ctx.secret, Number.isSafeInteger(id) ? id : 0));
      if (
        !Number.isSafeInteger(id) ||
        Buffer.from(s).length !== expected.length ||
        !timingSafeEqual(Buffer.from(s), expected)
      )
        throw notFound('checkout');
      const orders = await ordersOfCheckout(db, id);
      if (!orders.length) throw notFound('checkout');
      const slotZone = await regionTimeZone(db);
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'checkout.confirmed') });
      const body = html`<div class="confirmation">
        <h1>${t(lang, 'checkout.confirmed')}</h1>
        <p>${t(lang, 'checkout.confirmation_sent', { email: orders[0].customer_email })}</p>
        <ul>
          ${orders.map(
            (o) => html`<li>
              <a href=${trackingPath(lang, o.id, orderAccessToken(ctx.secret, o.id, o.access_token_hash))}>${t(lang, 'order.title', { order: o.id })}</a>
              — ${o.display_name} — ${Money(lang, o.total_cents)} — ${t(lang, `order.status.${o.status}`)}
              ${o.pickup_slot_at ? html`<br />${t(lang, 'pickup.slot')} : ${formatSlot(o.pickup_slot_at, lang, slotZone)}` : null}
              ${giftCardLines(o, lang).length ? html`<ul class="gift-card-split">${giftCardLines(o, lang).map((line) => html`<li>${line}</li>`)}</ul>` : null}
            </li>`,
          )}
        </ul>
      </div>`;
      reply.header('cache-control', 'no-store');
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    },
  );
}
