import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatMoney, type Lang, labelColon, t } from '../../i18n/index.ts';
import { type FieldIssue, ValidationError } from '../../lib/errors.ts';
import {
  type CartView,
  getCartView,
  merchantUnavailable,
  unavailableMerchantLines,
  zonesText,
} from '../../modules/cart/index.ts';
import { zodIssues } from '../../modules/common/validation.ts';
import { confirmedCheckoutId, regionTimeZone } from '../../modules/orders/index.ts';
import { checkout, type Quote, quoteCheckout } from '../../workflows/checkout/index.ts';
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
import { cardOffer } from './card-offer.ts';
import { CartGroups, currentCart } from './cart.routes.ts';
import {
  checkoutSignature,
  confirmationPage,
  type Errors,
  err,
  type Form,
  formToInput,
  invalid,
  issuesToForm,
  quoteKey,
} from './checkout-form.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { PickupSlotSelect } from './components/pickup.ts';
import { Money } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

export { checkoutSignature };

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
    opts: { quoteErrors?: boolean; cardAction?: { payment_intent: string; client_secret: string } } = {},
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
    // Card (Stripe Connect): offered only when every merchant of the cart can take it (issue 15).
    const card = await cardOffer(db, ctx.config, priced.groups, lang);
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'checkout.title'),
      cartCount: view.item_count,
      ...(card.available ? { scripts: [ctx.config.STRIPE_JS_URL, '/static/js/card-payment.js?v=3'] } : {}),
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
            .filter((m) => m !== 'card' || card.available)
            .map(
              (
                m,
              ) => html`<div class="choice" data-card-choice=${m === 'card' ? '' : undefined} hidden=${m === 'card'}>
                <input type="radio" id=${`pay-${m}`} name="payment_method" value=${m} checked=${(form.payment_method ?? 'in_store') === m} />
                <label for=${`pay-${m}`}>${t(lang, `payment.method.${m}`)}</label>
              </div>`,
            )}
          ${card.notice ? html`<p class="hint" data-card-unavailable>${card.notice}</p>` : null}
          ${
            card.available
              ? html`<div class="card-entry" data-card-entry hidden data-stripe-key=${ctx.config.STRIPE_PUBLISHABLE_KEY} data-amount=${String(shownTotal)} data-lang=${lang} data-action-secret=${opts.cardAction?.client_secret} data-action-intent=${opts.cardAction?.payment_intent}>
                  <div id="card-element"></div>
                  <input type="hidden" name="card_payment_method" value="" />
                  <input type="hidden" name="card_payment_intent" value="" />
                  <p class="hint">${t(lang, 'payment.card_number_hint')}</p>
                  <p class="error" role="alert" data-card-error hidden data-retry=${t(lang, 'payment.card_unreachable')}></p>
                </div>`
              : null
          }
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
          const done = await confirmedCheckoutId(db, cart.id, raw.idempotency_key);
          if (done !== undefined) return reply.redirect(confirmUrl(done), 303);
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
                details?: {
                  lines?: { sku?: string; available?: number }[];
                  payment_intent?: string;
                  client_secret?: string;
                };
              };
            };
            const d = body.error.details;
            if (body.error.code === 'payment_action_required' && d?.payment_intent && d.client_secret)
              // 3-D Secure: the same form (200: a step, not a failure), whose script runs the bank's
              // challenge and resubmits it.
              return renderForm(req, reply, lang, raw, {}, 200, body.error.message, {
                cardAction: { payment_intent: d.payment_intent, client_secret: d.client_secret },
              });
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

    confirmationPage(app, ctx, lang);
  }
}
