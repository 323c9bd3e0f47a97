import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatDate, type Lang, labelColon, t } from '../../i18n/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { usersByIds } from '../../modules/accounts/index.ts';
import {
  deliveryAddressText,
  formatSlot,
  formatTime,
  getOrder,
  giftCardLines,
  listMerchantOrders,
  ORDER_STATUSES,
  type OrderDetail,
  type OrderStatus,
  regionTimeZone,
  sendStatusEmail,
  todaysPickups,
  transitionOrder,
} from '../../modules/orders/index.ts';
import { refundCancelledOrder } from '../../modules/payments/index.ts';
import { checkoutDeps } from '../../workflows/deps.ts';
import { requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Money } from '../pages/components/ui.ts';
import { html } from '../pages/html.ts';
import { renderBo } from './layout.ts';
import { LIVE_ORDERS_SCRIPT, LiveOrders } from './live-orders.ts';

const NEXT: Record<OrderStatus, OrderStatus[]> = {
  placed: ['accepted', 'cancelled'],
  accepted: ['ready', 'cancelled'],
  ready: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};
const path = (lang: Lang) => (lang === 'fr' ? '/fr/marchand/commandes' : '/en/merchant/orders');
const idParams = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});
const transitionForm = z.object({
  to: z.enum(['accepted', 'ready', 'completed', 'cancelled']),
  reason: z.string().trim().max(500).optional(),
  _csrf: z.string().optional(),
});

/** The buttons that move an order to its possible next statuses (plain forms, no JavaScript). */
function transitionForms(lang: Lang, orderId: number, status: OrderStatus, csrf: string) {
  return NEXT[status].map(
    (to) => html`<form method="post" action=${`${path(lang)}/${orderId}/transitions`} class="inline">
      <input type="hidden" name="_csrf" value=${csrf} />
      <input type="hidden" name="to" value=${to} />
      ${to === 'cancelled' ? html`<label class="sr" for=${`r-${orderId}`}>${t(lang, 'order.reason')}</label><input id=${`r-${orderId}`} name="reason" type="text" maxlength="500" placeholder=${t(lang, 'order.reason')} />` : null}
      <button type="submit" class=${to === 'cancelled' ? 'danger' : undefined}>${t(lang, 'order.move_to', { status: t(lang, `order.status.${to}`) })}</button>
    </form>`,
  );
}

/** Today's pickups by slot (local time), above the orders list. */
function TodaysPickups(lang: Lang, today: Awaited<ReturnType<typeof todaysPickups>>) {
  return html`<section class="todays-pickups" aria-labelledby="pickups-today">
    <h2 id="pickups-today">${t(lang, 'pickup.today_title')}</h2>
    ${
      today.slots.length
        ? html`<ol class="slots">
            ${today.slots.map(
              (s) => html`<li data-slot=${s.slot}>
                <strong>${formatTime(s.slot, lang, today.timeZone)}</strong>
                <ul>
                  ${s.orders.map(
                    (o) => html`<li data-order=${o.order_id}>
                      <a href=${`${path(lang)}/${o.order_id}`}>#${o.order_id}</a> — ${o.customer_name} — ${o.location_name} —
                      <span class=${`badge s-${o.status}`}>${t(lang, `order.status.${o.status}`)}</span>
                    </li>`,
                  )}
                </ul>
              </li>`,
            )}
          </ol>`
        : html`<p class="empty">${t(lang, 'pickup.today_none')}</p>`
    }
  </section>`;
}

/**
 * What the merchant prepares: lines, fulfilment, customer, totals with taxes, history. The lines
 * stack on phones, each cell under its column's name, so the line total is never off-screen.
 */
function orderDetail(lang: Lang, o: OrderDetail, csrf: string, tz: string, actors: Map<string, string>) {
  return html`<article class="bo-order" data-order=${o.id}>
    <p><a href=${path(lang)}>← ${t(lang, 'order.merchant_orders')}</a></p>
    <h1>${t(lang, 'order.title', { order: o.id })}</h1>
    <p class="status" data-status=${o.status}><strong class=${`badge s-${o.status}`}>${t(lang, `order.status.${o.status}`)}</strong> — ${formatDate(o.created_at, lang)}</p>
    <div class="actions">${transitionForms(lang, o.id, o.status, csrf)}</div>
    <h2>${t(lang, 'order.customer')}</h2>
    <p>${o.customer_name}<br /><a href=${`mailto:${o.customer_email}`}>${o.customer_email}</a>${o.customer_phone ? html`<br /><a href=${`tel:${o.customer_phone}`}>${o.customer_phone}</a>` : null}</p>
    <p>${
      o.fulfilment_method === 'pickup'
        ? html`${labelColon(lang, t(lang, 'receipt.pickup_at'))} ${o.location_name} (${o.address_line}, ${o.municipality})`
        : html`${labelColon(lang, t(lang, 'receipt.delivery_to'))} ${deliveryAddressText(o.delivery_address_json)}`
    }</p>
    ${o.pickup_slot_at ? html`<p class="pickup-slot" data-slot=${new Date(o.pickup_slot_at).toISOString()}>${labelColon(lang, t(lang, 'pickup.slot'))} <strong>${formatSlot(o.pickup_slot_at, lang, tz, o.pickup_slot_minutes)}</strong></p>` : null}
    <h2 id="lines-h">${t(lang, 'order.lines')}</h2>
    <table class="data stack" aria-labelledby="lines-h">
      <thead><tr>
        <th scope="col">${t(lang, 'order.product')}</th><th scope="col">${t(lang, 'order.sku')}</th>
        <th scope="col" class="num">${t(lang, 'cart.quantity')}</th><th scope="col" class="num">${t(lang, 'order.unit_price')}</th>
        <th scope="col" class="num">${t(lang, 'order.line_total')}</th>
      </tr></thead>
      <tbody>
        ${o.lines.map(
          (l) => html`<tr data-line=${l.sku}>
            <th scope="row">${l.title}${l.tax_class !== 'standard' ? html` <small>(${t(lang, `receipt.tax_class.${l.tax_class}`)})</small>` : null}</th>
            <td data-label=${labelColon(lang, t(lang, 'order.sku'))}>${l.sku}</td>
            <td class="num" data-label=${labelColon(lang, t(lang, 'cart.quantity'))}>${l.quantity}</td>
            <td class="num" data-label=${labelColon(lang, t(lang, 'order.unit_price'))}>${Money(lang, l.unit_price_cents)}</td>
            <td class="num" data-label=${labelColon(lang, t(lang, 'order.line_total'))}>${Money(lang, l.line_total_cents)}${l.discount_cents ? html`<br /><small>− ${Money(lang, l.discount_cents)}</small>` : null}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <dl class="totals">
      <dt>${t(lang, 'receipt.subtotal')}</dt><dd data-total="subtotal">${Money(lang, o.subtotal_cents)}</dd>
      ${o.discount_cents ? html`<dt>${t(lang, 'receipt.discount', { code: o.promo_code ?? '' })}</dt><dd data-total="discount">− ${Money(lang, o.discount_cents)}</dd>` : null}
      ${o.delivery_fee_cents ? html`<dt>${t(lang, 'receipt.delivery_fee')}</dt><dd>${Money(lang, o.delivery_fee_cents)}</dd>` : null}
      <dt>${t(lang, 'receipt.gst')}</dt><dd data-total="gst">${Money(lang, o.gst_cents)}</dd>
      <dt>${t(lang, 'receipt.qst')}</dt><dd data-total="qst">${Money(lang, o.qst_cents)}</dd>
      <dt>${t(lang, 'receipt.total')}</dt><dd data-total="total"><strong>${Money(lang, o.total_cents)}</strong></dd>
      <dt>${t(lang, 'receipt.payment')}</dt><dd>${t(lang, `payment.method.${o.payment_method}`)} (${t(lang, `payment.status.${o.payment_status}`)})</dd>
      ${giftCardLines(o, lang).map((line) => {
        const i = line.lastIndexOf(': ');
        return html`<dt>${line.slice(0, i)}</dt><dd data-total="gift">${line.slice(i + 2)}</dd>`;
      })}
    </dl>
    <h2>${t(lang, 'order.history')}</h2>
    <ol class="history">
      ${o.events.map(
        (e) => html`<li>
          <time datetime=${e.created_at}>${formatDate(e.created_at, lang)}</time> — ${t(lang, `order.status.${e.to_status}`)}
          ${' '}<small>(${actors.get(e.actor) ?? e.actor})</small>${e.reason ? html` — ${t(lang, 'order.reason')} : ${e.reason}` : null}
        </li>`,
      )}
    </ol>
  </article>`;
}

/**
 * Who made each step of an order's history, as people read it: `user:<id>` actors become the
 * person's name (their email without one); other actors (`merchant:<id>` for the POS API...) stay.
 */
async function actorNames(db: AppContext['database']['db'], o: OrderDetail): Promise<Map<string, string>> {
  const ids = o.events.flatMap((e) => {
    const m = /^user:(\d+)$/.exec(e.actor);
    return m ? [Number(m[1])] : [];
  });
  const users = await usersByIds(db, ids);
  return new Map(users.map((u) => [`user:${u.id}`, u.name || u.email]));
}

/** Back-office: the merchant's orders and their next steps (staff and owners). */
export default async function merchantOrdersPage(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  for (const lang of ['fr', 'en'] as Lang[]) {
    app.get(path(lang), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const q = (req.query as { status?: string }).status;
      const status = ORDER_STATUSES.includes(q as OrderStatus) ? (q as OrderStatus) : undefined;
      const orders = await listMerchantOrders(db, access.merchantId, status);
      const tz = await regionTimeZone(db);
      const csrf = reply.generateCsrf();
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'orders',
          title: t(lang, 'order.merchant_orders'),
          scripts: [LIVE_ORDERS_SCRIPT],
          body: html`<h1>${t(lang, 'order.merchant_orders')}</h1>
            <nav class="filters">
              <a href=${path(lang)} aria-current=${status ? undefined : 'page'}>${lang === 'fr' ? 'Toutes' : 'All'}</a>
              ${ORDER_STATUSES.map((s) => html`<a href=${`${path(lang)}?status=${s}`} aria-current=${s === status ? 'page' : undefined}>${t(lang, `order.status.${s}`)}</a>`)}
            </nav>
            ${LiveOrders(lang, access.merchantId)}
            ${TodaysPickups(lang, await todaysPickups(db, access.merchantId))}
            <table class="data stack">
              <thead><tr>
                <th scope="col">#</th><th scope="col">${t(lang, 'order.customer')}</th><th scope="col">${t(lang, 'cart.total')}</th>
                <th scope="col">${lang === 'fr' ? 'Statut' : 'Status'}</th><th scope="col"></th>
              </tr></thead>
              <tbody>
                ${orders.map(
                  (o) => html`<tr data-order=${o.order_id}>
                    <td><a href=${`${path(lang)}/${o.order_id}`}>${t(lang, 'order.title', { order: o.order_id })}</a><br /><small><time datetime=${o.created_at}>${formatDate(o.created_at, lang)}</time></small></td>
                    <td>${o.customer_name}<br /><small>${o.customer_email}${o.customer_phone ? ` · ${o.customer_phone}` : ''}</small><br /><small>${t(lang, o.fulfilment_method === 'pickup' ? 'checkout.pickup' : 'checkout.delivery')}${o.pickup_slot_at ? ` · ${formatSlot(o.pickup_slot_at, lang, tz)}` : ''}</small></td>
                    <td>${Money(lang, o.total_cents)}<br /><small>${t(lang, `payment.method.${o.payment_method}`)}</small></td>
                    <td><span class=${`badge s-${o.status}`}>${t(lang, `order.status.${o.status}`)}</span></td>
                    <td>${transitionForms(lang, o.order_id, o.status, csrf)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
            ${orders.length ? null : html`<p class="empty">${t(lang, 'order.none')}</p>`}`,
        },
        csrf,
      );
    });

    app.get(`${path(lang)}/:id`, { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const params = idParams.safeParse(req.params);
      if (!params.success) throw notFound('order');
      // Scoped by the caller's merchant: another merchant's order is a 404, never shown.
      const order = await getOrder(db, params.data.id, access.merchantId);
      const csrf = reply.generateCsrf();
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'orders',
          title: t(lang, 'order.title', { order: order.id }),
          body: orderDetail(lang, order, csrf, await regionTimeZone(db), await actorNames(db, order)),
        },
        csrf,
      );
    });

    app.post(
      `${path(lang)}/:id/transitions`,
      { schema: { hide: true }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const id = Number((req.params as { id: string }).id);
        const form = transitionForm.safeParse(req.body);
        if (!form.success || !Number.isSafeInteger(id)) throw new AppError('validation_failed');
        const r = await transitionOrder(db, ctx.events, {
          orderId: id,
          merchantId: access.merchantId,
          to: form.data.to,
          actor: `user:${access.user.id}`,
          reason: form.data.reason || null,
        });
        if (r.status === 'cancelled') await refundCancelledOrder(db, ctx.config, r.order_id, req.log);
        await sendStatusEmail(checkoutDeps(ctx), r.order_id).catch((err: unknown) =>
          req.log.error({ err }, 'status email failed'),
        );
        return reply.redirect(path(lang), 303);
      },
    );
  }
}
