import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatMoney, type Lang, t } from '../../i18n/index.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import {
  type CartView,
  getCartView,
  merchantUnavailable,
  unavailableMerchantLines,
} from '../../modules/cart/index.ts';
import { zodIssues } from '../../modules/common/validation.ts';
import { orderAccessToken } from '../../modules/orders/index.ts';
import { trackingPath } from '../../modules/orders/receipts.ts';
import { checkout, quoteTotal } from '../../workflows/checkout.ts';
import { checkoutDeps } from '../../workflows/deps.ts';
import {
  checkPromo,
  type DiscountedCartView,
  discountedView,
  PROMO_FIELD,
  promoCodeOf,
  promoIssue,
} from '../../workflows/promo.ts';
import { checkoutBody } from '../api/cart.routes.ts';
import { getSessionUser } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { CartGroups, currentCart } from './cart.routes.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { Money } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

type Form = Record<string, string>;
type Errors = Record<string, string>;

export const checkoutSignature = (secret: string, checkoutId: number) =>
  createHmac('sha256', secret).update(`checkout:${checkoutId}`).digest('base64url');

/** Flat form fields -> the API's checkout body. */
function formToInput(form: Form, merchantIds: number[]) {
  const fulfilment: Record<string, unknown> = {};
  for (const id of merchantIds) {
    const choice = form[`f_${id}`] ?? '';
    const method = choice.split(':')[0];
    if (method === 'pickup') fulfilment[id] = { method, location_id: choice.split(':')[1] };
    else if (method === 'delivery')
      fulfilment[id] = {
        method,
        address: {
          text: form[`f_${id}_address`] ?? '',
          lat: form[`f_${id}_lat`] || undefined,
          lng: form[`f_${id}_lng`] || undefined,
        },
      };
  }
  return {
    customer: { name: form.name ?? '', email: form.email ?? '', phone: form.phone || null },
    fulfilment,
    payment: {
      method: form.payment_method || 'in_store',
      ...(form.gift_card_code ? { code: form.gift_card_code } : {}),
    },
    ...(promoCodeOf(form.promo_code) ? { promo_code: form.promo_code } : {}),
  };
}

const err = (errors: Errors, field: string) =>
  errors[field]
    ? html`<p class="field-error" id=${`e-${field.replace(/\./g, '-')}`}>${errors[field]}</p>`
    : null;
const invalid = (errors: Errors, field: string) =>
  errors[field] ? { 'aria-invalid': 'true', 'aria-describedby': `e-${field.replace(/\./g, '-')}` } : {};

export default async function checkoutPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function renderForm(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    form: Form = {},
    errors: Errors = {},
    status = 200,
    banner?: string,
  ) {
    const cart = await currentCart(req, ctx);
    const view = cart ? await getCartView(db, cart.id, lang) : undefined;
    if (!view || view.groups.length === 0) return reply.redirect(localPath(lang, 'cart'), 303);
    if (!form.name || !form.email) {
      const user = await getSessionUser(req, ctx);
      if (user) {
        form.name ||= user.name;
        form.email ||= user.email;
      }
    }
    // The summary with the typed promo code applied (read-only; counted only when the order is placed).
    let priced: DiscountedCartView = discountedView(view);
    const code = promoCodeOf(form.promo_code);
    if (code && !errors[PROMO_FIELD]) {
      try {
        priced = discountedView(view, await checkPromo(db, view, code, req.log));
      } catch (e) {
        const issue = promoIssue(e);
        if (!issue) throw e;
        errors[PROMO_FIELD] = t(lang, issue.message, issue.params);
      }
    }
    // Lines of a merchant that no longer takes orders: said up front (the order would be refused).
    const stopped = unavailableMerchantLines(view);
    const stoppedError = stopped.length ? merchantUnavailable(stopped) : undefined;
    const notice = banner ?? (stoppedError && t(lang, stoppedError.messageKey, stoppedError.params));
    const csrf = reply.generateCsrf();
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'checkout.title'),
      cartCount: view.item_count,
    });
    const input = (name: string, label: string, type = 'text', extra: Record<string, unknown> = {}) =>
      html`<div class=${errors[name] ? 'field has-error' : 'field'}>
        <label for=${`c-${name}`}>${label}</label>
        <input id=${`c-${name}`} name=${name} type=${type} value=${form[name] ?? ''} ...${extra} ...${invalid(errors, name)} />
        ${err(errors, name)}
      </div>`;
    const body = html`<div class="checkout-page">
      <h1>${t(lang, 'checkout.title')}</h1>
      ${notice ? html`<p class="error" role="alert">${notice}</p>` : null}
      ${Object.keys(errors).length ? html`<p class="error" role="alert">${t(lang, 'error.validation_failed')}</p>` : null}
      <form method="post" action=${localPath(lang, 'checkout')} novalidate>
        <input type="hidden" name="_csrf" value=${csrf} />
        <input type="hidden" name="idempotency_key" value=${randomUUID()} />
        <input type="hidden" name="expected_total_cents" value=${String(priced.total_cents)} />
        <fieldset>
          <legend>${t(lang, 'checkout.customer')}</legend>
          ${input('customer.name', t(lang, 'checkout.name'), 'text', { autocomplete: 'name', required: true })}
          ${input('customer.email', t(lang, 'checkout.email'), 'email', { autocomplete: 'email', required: true })}
          ${input('customer.phone', t(lang, 'checkout.phone'), 'tel', { autocomplete: 'tel' })}
        </fieldset>
        ${priced.groups.map((g) => {
          const id = g.merchant.id;
          const f = `fulfilment.${id}`;
          const choice = form[`f_${id}`] ?? '';
          const pickups = g.fulfilment_options.filter((o) => o.method === 'pickup');
          const delivery = g.fulfilment_options.find((o) => o.method === 'delivery');
          return html`<fieldset class="merchant-fulfilment">
            <legend>${g.merchant.name} — ${Money(lang, g.total_cents)}</legend>
            ${err(errors, f)}
            ${pickups.map(
              (o) => html`<div class="choice">
                <input type="radio" id=${`f-${id}-p-${o.location_id}`} name=${`f_${id}`} value=${`pickup:${o.location_id}`} checked=${choice ? choice === `pickup:${o.location_id}` : o === pickups[0]} />
                <label for=${`f-${id}-p-${o.location_id}`}>${t(lang, 'checkout.pickup')} : ${o.name}, ${o.address}</label>
              </div>`,
            )}
            ${err(errors, `${f}.location_id`)}
            ${
              delivery
                ? html`<div class="choice">
                    <input type="radio" id=${`f-${id}-d`} name=${`f_${id}`} value="delivery" checked=${choice === 'delivery' || (!choice && !pickups.length)} />
                    <label for=${`f-${id}-d`}>${t(lang, 'checkout.delivery')} (${t(lang, 'cart.delivery_within', { km: delivery.radius_km, fee: formatMoney(delivery.fee_cents, lang) })})</label>
                  </div>
                  ${input(`f_${id}_address`, t(lang, 'checkout.address'), 'text', { autocomplete: 'street-address', ...invalid(errors, `${f}.address`) })}
                  ${err(errors, `${f}.address`)}
                  ${input(`f_${id}_lat`, t(lang, 'checkout.lat'), 'text', { inputmode: 'decimal' })}
                  ${input(`f_${id}_lng`, t(lang, 'checkout.lng'), 'text', { inputmode: 'decimal' })}`
                : null
            }
          </fieldset>`;
        })}
        <fieldset>
          <legend>${t(lang, 'checkout.payment')}</legend>
          ${(['in_store', 'gift_card', 'card'] as const)
            .filter((m) => m !== 'card' || ctx.config.STRIPE_SECRET_KEY)
            .map(
              (m) => html`<div class="choice">
                <input type="radio" id=${`pay-${m}`} name="payment_method" value=${m} checked=${(form.payment_method ?? 'in_store') === m} />
                <label for=${`pay-${m}`}>${t(lang, `payment.method.${m}`)}</label>
              </div>`,
            )}
          ${input('gift_card_code', t(lang, 'checkout.gift_card_code'), 'text', { autocomplete: 'off' })}
          ${err(errors, 'payment')}
        </fieldset>
        <fieldset class="promo">
          <legend>${t(lang, 'checkout.promo_code')}</legend>
          ${input(PROMO_FIELD, t(lang, 'checkout.promo_code'), 'text', { autocomplete: 'off', autocapitalize: 'characters', maxlength: 64 })}
          ${
            priced.promo
              ? html`<p class="promo-applied" role="status">${t(lang, 'checkout.promo_applied', {
                  code: priced.promo.code,
                  amount: formatMoney(priced.promo.discount_cents, lang),
                })}</p>`
              : null
          }
          <button type="submit" name="apply_promo" value="1" class="secondary">${t(lang, 'checkout.promo_apply')}</button>
        </fieldset>
        ${CartGroups(lang, priced, null)}
        ${
          priced.discount_cents
            ? html`<p class="discount-total">${t(lang, 'cart.discount', { code: priced.promo?.code ?? '' })} : <strong>${Money(lang, -priced.discount_cents)}</strong></p>`
            : null
        }
        <p class="grand-total">${t(lang, 'cart.total')} : <strong>${Money(lang, priced.total_cents)}</strong></p>
        <button type="submit">${t(lang, 'checkout.place_order')}</button>
      </form>
    </div>`;
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, renderDocument(Layout(pc, body)), status);
  }

  /**
   * The grand total the form shows for this cart and promo code (pickup basis, as renderForm
   * computes it); undefined when there is nothing to compare: a merchant no longer taking orders or a
   * refused code (the checkout refuses those with their own message, nothing reserved).
   */
  async function shownTotal(view: CartView, promoCode: string | undefined, req: FastifyRequest) {
    if (unavailableMerchantLines(view).length) return undefined;
    const code = promoCodeOf(promoCode);
    try {
      return discountedView(view, code ? await checkPromo(db, view, code, req.log) : undefined).total_cents;
    } catch (e) {
      if (promoIssue(e)) return undefined;
      throw e;
    }
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(localPath(lang, 'checkout'), { schema: { hide: true } }, (req, reply) =>
      renderForm(req, reply, lang),
    );

    app.post(
      localPath(lang, 'checkout'),
      { schema: { hide: true }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const raw = (req.body ?? {}) as Form;
        // Form names 'customer.name' etc. are echoed back as typed.
        const form: Form = {
          ...raw,
          name: raw['customer.name'] ?? '',
          email: raw['customer.email'] ?? '',
          phone: raw['customer.phone'] ?? '',
        };
        const cart = await currentCart(req, ctx);
        if (!cart) return reply.redirect(localPath(lang, 'cart'), 303);
        if (raw.apply_promo) {
          // "Apply code": the same form again with the discount in the summary, or the refusal next
          // to the field; nothing is reserved and the code's use is not counted.
          const errors: Errors = {};
          const code = promoCodeOf(raw.promo_code);
          const view = code ? await getCartView(db, cart.id, lang) : undefined;
          if (code && view?.groups.length) {
            try {
              await checkPromo(db, view, code, req.log);
            } catch (e) {
              const issue = promoIssue(e);
              if (!issue) throw e;
              errors[PROMO_FIELD] = t(lang, issue.message, issue.params);
            }
          }
          return renderForm(req, reply, lang, raw, errors, Object.keys(errors).length ? 400 : 200);
        }
        const confirmUrl = (id: number) =>
          `${localPath(lang, 'checkout')}/confirmation/${id}?s=${checkoutSignature(ctx.secret, id)}`;
        if (raw.idempotency_key) {
          // A double submit of a form already accepted: the same confirmation, never a second order.
          const done = await db
            .selectFrom('checkouts')
            .select('id')
            .where('cart_id', '=', cart.id)
            .where('idempotency_key', '=', raw.idempotency_key)
            .where('status', '=', 'confirmed')
            .executeTakeFirst();
          if (done) return reply.redirect(confirmUrl(done.id), 303);
        }
        const view = await getCartView(db, cart.id, lang);
        const parsed = checkoutBody.safeParse(
          formToInput(
            form,
            view.groups.map((g) => g.merchant.id),
          ),
        );
        const toErrors = (
          issues: { field: string; message: string; params?: Record<string, string | number> }[],
        ) => {
          const e: Errors = {};
          for (const i of issues) {
            const field = i.field.replace(/^fulfilment\.(\d+)\.address\.(lat|lng|text)$/, (_m, id, k) =>
              k === 'text' ? `f_${id}_address` : `f_${id}_${k}`,
            );
            e[field] ??= t(lang, i.message, i.params);
          }
          return e;
        };
        if (!parsed.success) return renderForm(req, reply, lang, raw, toErrors(zodIssues(parsed.error)), 400);
        let input = parsed.data;
        if (raw.expected_total_cents !== undefined) {
          // The total the page showed: changed since (a merchant's price), the same form again with
          // the new figures, 409, nothing reserved. Verified, the full total (fees included) goes on
          // as expected_total_cents, so a change between here and the reservation is refused too.
          const now = await shownTotal(view, raw.promo_code, req);
          if (now !== undefined) {
            const shown = /^\d{1,12}$/.test(raw.expected_total_cents)
              ? Number(raw.expected_total_cents)
              : undefined;
            if (shown !== now)
              return renderForm(
                req,
                reply,
                lang,
                raw,
                {},
                409,
                shown === undefined
                  ? t(lang, 'checkout_integrity.total_check')
                  : t(lang, 'checkout_integrity.total_changed', {
                      from: formatMoney(shown, lang),
                      to: formatMoney(now, lang),
                    }),
              );
            const full = await quoteTotal(db, view, input, req.log).catch((e: unknown) => {
              // The checkout reports its own field errors just after.
              if (e instanceof ValidationError) return undefined;
              throw e;
            });
            if (full !== undefined) input = { ...input, expected_total_cents: full };
          }
        }
        const user = await getSessionUser(req, ctx);
        const key = raw.idempotency_key || randomUUID();
        try {
          const r = await checkout(checkoutDeps(ctx, req.log), cart.id, key, input, lang, user?.id ?? null);
          if (r.status !== 201) {
            const body = r.body as {
              error: {
                code: string;
                message: string;
                details?: { lines?: { sku?: string; available?: number }[] };
              };
            };
            // The short lines' figures (a suspended merchant's lines are already named in the message).
            const lines =
              body.error.code === 'out_of_stock'
                ? body.error.details?.lines
                    ?.map((l) => `${l.sku ?? ''} (${t(lang, 'cart.available', { n: l.available ?? 0 })})`)
                    .join(', ')
                : undefined;
            return renderForm(
              req,
              reply,
              lang,
              raw,
              {},
              r.status,
              `${body.error.message}${lines ? ` ${lines}` : ''}`,
            );
          }
          const id = (r.body as { checkout_id: number }).checkout_id;
          return reply.redirect(confirmUrl(id), 303);
        } catch (e) {
          if (e instanceof ValidationError) return renderForm(req, reply, lang, raw, toErrors(e.issues), 400);
          throw e;
        }
      },
    );

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
        const orders = await db
          .selectFrom('orders as o')
          .innerJoin('merchants as m', 'm.id', 'o.merchant_id')
          .select([
            'o.id',
            'o.status',
            'o.total_cents',
            'o.customer_email',
            'o.access_token_hash',
            'm.display_name',
          ])
          .where('o.checkout_id', '=', id)
          .orderBy('o.id')
          .execute();
        if (!orders.length) throw notFound('checkout');
        const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'checkout.confirmed') });
        const body = html`<div class="confirmation">
        <h1>${t(lang, 'checkout.confirmed')}</h1>
        <p>${t(lang, 'checkout.confirmation_sent', { email: orders[0].customer_email })}</p>
        <ul>
          ${orders.map(
            (o) => html`<li>
              <a href=${trackingPath(lang, o.id, orderAccessToken(ctx.secret, o.id, o.access_token_hash))}>${t(lang, 'order.title', { order: o.id })}</a>
              — ${o.display_name} — ${Money(lang, o.total_cents)} — ${t(lang, `order.status.${o.status}`)}
            </li>`,
          )}
        </ul>
      </div>`;
        reply.header('cache-control', 'no-store');
        return sendHtml(reply, renderDocument(Layout(pc, body)));
      },
    );
  }
}
