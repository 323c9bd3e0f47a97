import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatMoney, type Lang, labelColon, t } from '../../i18n/index.ts';
import { type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import {
  type CartView,
  getCartView,
  merchantUnavailable,
  unavailableMerchantLines,
  zonesText,
} from '../../modules/cart/index.ts';
import { zodIssues } from '../../modules/common/validation.ts';
import { orderAccessToken } from '../../modules/orders/index.ts';
import { formatSlot, regionTimeZone } from '../../modules/orders/pickup-slots.ts';
import { giftCardLines, trackingPath } from '../../modules/orders/receipts.ts';
import { checkout, type Quote, quoteCheckout } from '../../workflows/checkout.ts';
import { checkoutDeps } from '../../workflows/deps.ts';
import {
  checkPromo,
  type DiscountedCartView,
  discountedView,
  PROMO_FIELD,
  promoCodeOf,
  promoIssue,
} from '../../workflows/promo.ts';
import { checkoutBody, quoteBody } from '../api/cart.routes.ts';
import { getSessionUser } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { CartGroups, currentCart } from './cart.routes.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { PickupSlotSelect } from './components/pickup.ts';
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
    },
    ...(promoCodeOf(form.promo_code) ? { promo_code: form.promo_code } : {}),
  };
}

/** API field paths -> the form's field names (address parts sit under their own inputs). */
function issuesToForm(
  lang: Lang,
  issues: { field: string; message: string; params?: Record<string, string | number> }[],
): Errors {
  const e: Errors = {};
  for (const i of issues) {
    const field = i.field.replace(
      /^fulfilment\.(\d+)\.address\.(line1|line2|city|postal_code)$/,
      (_m, id, k) => `f_${id}_${k}`,
    );
    e[field] ??= t(lang, i.message, i.params);
  }
  return e;
}

/** Which fulfilment choices and code a displayed total was quoted for (a hidden field). */
const quoteKey = (input: unknown) =>
  createHash('sha256').update(JSON.stringify(input)).digest('base64url').slice(0, 22);

const err = (errors: Errors, field: string) =>
  errors[field]
    ? html`<p class="field-error" id=${`e-${field.replace(/\./g, '-')}`}>${errors[field]}</p>`
    : null;
const invalid = (errors: Errors, field: string) =>
  errors[field] ? { 'aria-invalid': 'true', 'aria-describedby': `e-${field.replace(/\./g, '-')}` } : {};

export default async function checkoutPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  /**
   * The quote for the form's choices (a merchant without a choice: the one the form pre-selects,
   * unless `asTyped`), by the checkout's own pricing; `issues` when the choices cannot be priced
   * (address incomplete or outside every zone, refused code); undefined when a merchant no longer
   * takes orders.
   */
  async function pageQuote(
    view: CartView,
    form: Form,
    lang: Lang,
    req: FastifyRequest,
    asTyped = false,
  ): Promise<{ quote?: Quote; key?: string; issues?: FieldIssue[] } | undefined> {
    if (unavailableMerchantLines(view).length || !view.groups.length) return undefined;
    const filled: Form = { ...form };
    if (!asTyped)
      for (const g of view.groups) {
        const first = g.fulfilment_options[0];
        if (!filled[`f_${g.merchant.id}`] && first)
          filled[`f_${g.merchant.id}`] =
            first.method === 'pickup' ? `pickup:${first.location_id}` : 'delivery';
      }
    const parsed = quoteBody.safeParse(
      formToInput(
        filled,
        view.groups.map((g) => g.merchant.id),
      ),
    );
    if (!parsed.success) return { issues: zodIssues(parsed.error) };
    try {
      const quote = await quoteCheckout(
        checkoutDeps(ctx, req.log),
        view,
        { customer: { name: '', email: '' }, payment: { method: 'in_store' }, ...parsed.data },
        lang,
      );
      return { quote, key: quoteKey(parsed.data) };
    } catch (e) {
      if (e instanceof ValidationError) return { issues: e.issues };
      throw e;
    }
  }

  async function renderForm(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    form: Form = {},
    errors: Errors = {},
    status = 200,
    banner?: string,
    opts: { quoteErrors?: boolean } = {},
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
    // The total shown before the button is the quote of the choices on the form (fees included),
    // computed as the checkout will charge; without a priceable choice yet, the pickup basis.
    const pq = await pageQuote(view, form, lang, req);
    if (opts.quoteErrors && pq?.issues) {
      for (const [k, v] of Object.entries(issuesToForm(lang, pq.issues))) errors[k] ??= v;
      status = 422;
    }
    const quoted = pq?.quote;
    const shownTotal = quoted?.total_cents ?? priced.total_cents;
    // The summary's per-merchant figures are the quote's (delivery fee and its taxes included).
    const summary: DiscountedCartView = quoted
      ? {
          ...priced,
          total_cents: quoted.total_cents,
          groups: priced.groups.map((g) => {
            const q = quoted.groups.find((x) => x.merchant.id === g.merchant.id);
            return q
              ? {
                  ...g,
                  delivery_fee_cents: q.delivery_fee_cents,
                  gst_cents: q.gst_cents,
                  qst_cents: q.qst_cents,
                  total_cents: q.total_cents,
                }
              : g;
          }),
        }
      : priced;
    // Lines of a merchant that no longer takes orders: said up front (the order would be refused).
    const stopped = unavailableMerchantLines(view);
    const stoppedError = stopped.length ? merchantUnavailable(stopped) : undefined;
    const notice = banner ?? (stoppedError && t(lang, stoppedError.messageKey, stoppedError.params));
    const csrf = reply.generateCsrf();
    const slotZone = await regionTimeZone(db);
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
        <input type="hidden" name="expected_total_cents" value=${String(shownTotal)} />
        <input type="hidden" name="quoted_for" value=${pq?.key ?? ''} />
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
          const deliveries = g.fulfilment_options.filter((o) => o.method === 'delivery');
          const delivery = deliveries[0];
          const qg = quoted?.groups.find((x) => x.merchant.id === id);
          return html`<fieldset class="merchant-fulfilment">
            <legend>${g.merchant.name} — ${Money(lang, qg?.total_cents ?? g.total_cents)}</legend>
            ${qg?.delivery_fee_cents ? html`<p class="delivery-fee">${labelColon(lang, t(lang, 'checkout.delivery_fee_line'))} ${Money(lang, qg.delivery_fee_cents)}</p>` : null}
            ${err(errors, f)}
            ${pickups.map(
              (o) => html`<div class="choice">
                <input type="radio" id=${`f-${id}-p-${o.location_id}`} name=${`f_${id}`} value=${`pickup:${o.location_id}`} checked=${choice ? choice === `pickup:${o.location_id}` : o === pickups[0]} />
                <label for=${`f-${id}-p-${o.location_id}`}>${labelColon(lang, t(lang, 'checkout.pickup'))} ${o.name}, ${o.address}</label>
                ${PickupSlotSelect(lang, id, o, form, slotZone)}
              </div>`,
            )}
            ${err(errors, `${f}.location_id`)}
            ${err(errors, `${f}.slot`)}
            ${
              delivery
                ? html`<div class="choice">
                    <input type="radio" id=${`f-${id}-d`} name=${`f_${id}`} value="delivery" checked=${choice === 'delivery' || (!choice && !pickups.length)} />
                    <label for=${`f-${id}-d`}>${t(lang, 'checkout.delivery')}</label>
                    <ul class="delivery-zones">
                      ${deliveries.map((o) => html`<li>${o.method === 'delivery' ? zonesText(lang, o) : ''}</li>`)}
                    </ul>
                  </div>
                  <fieldset class="address" ...${invalid(errors, `${f}.address`)}>
                    <legend>${t(lang, 'checkout.address')}</legend>
                    ${err(errors, `${f}.address`)}
                    ${input(`f_${id}_line1`, t(lang, 'address.line1'), 'text', { autocomplete: 'address-line1', maxlength: 200 })}
                    ${input(`f_${id}_line2`, t(lang, 'address.line2'), 'text', { autocomplete: 'address-line2', maxlength: 200 })}
                    ${input(`f_${id}_city`, t(lang, 'address.city'), 'text', { autocomplete: 'address-level2', maxlength: 100 })}
                    ${input(`f_${id}_postal_code`, t(lang, 'address.postal_code'), 'text', { autocomplete: 'postal-code', maxlength: 7, autocapitalize: 'characters' })}
                    <button type="submit" name="quote_update" value="1" class="secondary">${t(lang, 'checkout.quote_update')}</button>
                  </fieldset>`
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
          <p class="hint">${t(lang, 'giftcard.split_hint')}</p>
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
        ${CartGroups(lang, summary, null)}
        ${
          priced.discount_cents
            ? html`<p class="discount-total">${t(lang, 'cart.discount', { code: priced.promo?.code ?? '' })} : <strong>${Money(lang, -priced.discount_cents)}</strong></p>`
            : null
        }
        <p class="grand-total" data-quoted=${quoted ? 'true' : 'false'}>${labelColon(lang, t(lang, 'cart.total'))} <strong>${Money(lang, shownTotal)}</strong></p>
        ${quoted ? html`<p class="hint">${t(lang, 'checkout.quoted_total')}</p>` : null}
        <p class="checkout-actions"><button type="submit" class="btn-primary btn-large">${t(lang, 'checkout.place_order')}</button></p>
      </form>
    </div>`;
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, renderDocument(Layout(pc, body)), status);
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
        if (raw.quote_update)
          // "Calculate the total": the form again with the quote of the typed choices (delivery fee
          // of the address's zone, taxes), or the refusal next to the address; nothing reserved.
          return renderForm(req, reply, lang, raw, {}, 200, undefined, { quoteErrors: true });
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
        const toErrors = (issues: FieldIssue[]) => issuesToForm(lang, issues);
        if (!parsed.success) return renderForm(req, reply, lang, raw, toErrors(zodIssues(parsed.error)), 400);
        let input = parsed.data;
        if (raw.expected_total_cents !== undefined) {
          // The total the page showed: changed since (a merchant's price), the same form again with
          // the new figures, 409, nothing reserved. Verified, the full total (fees included) goes on
          // as expected_total_cents, so a change between here and the reservation is refused too.
          // The quote of exactly what was submitted (undefined: the checkout reports its own errors).
          const now = (await pageQuote(view, form, lang, req, true))?.quote?.total_cents;
          if (now !== undefined) {
            const shown = /^\d{1,12}$/.test(raw.expected_total_cents)
              ? Number(raw.expected_total_cents)
              : undefined;
            if (shown !== now) {
              // Shown for other choices (delivery picked without "Calculate"): the new total, to confirm.
              const otherChoice =
                raw.quoted_for !== undefined && raw.quoted_for !== quoteKey(quoteBody.parse(input));
              return renderForm(
                req,
                reply,
                lang,
                raw,
                {},
                409,
                shown === undefined
                  ? t(lang, 'checkout_integrity.total_check')
                  : otherChoice
                    ? t(lang, 'checkout.quote_recomputed', { to: formatMoney(now, lang) })
                    : t(lang, 'checkout_integrity.total_changed', {
                        from: formatMoney(shown, lang),
                        to: formatMoney(now, lang),
                      }),
              );
            }
            input = { ...input, expected_total_cents: now };
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
          if (e instanceof ValidationError)
            return renderForm(req, reply, lang, raw, toErrors(e.issues), e.status);
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
            'o.payment_method',
            'o.gift_card_cents',
            'o.gift_card_balance_after_cents',
            'o.remainder_method',
            'o.pickup_slot_at',
            'm.display_name',
          ])
          .where('o.checkout_id', '=', id)
          .orderBy('o.id')
          .execute();
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
}
