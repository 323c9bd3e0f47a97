import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatDate, type Lang, t } from '../../i18n/index.ts';
import { AppError } from '../../lib/errors.ts';
import {
  listMerchantOrders,
  ORDER_STATUSES,
  type OrderStatus,
  transitionOrder,
} from '../../modules/orders/index.ts';
import { sendStatusEmail } from '../../modules/orders/receipts.ts';
import { refundCancelledOrder } from '../../modules/payments/index.ts';
import { checkoutDeps } from '../../workflows/deps.ts';
import { requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Money } from '../pages/components/ui.ts';
import { html } from '../pages/html.ts';
import { renderBo } from './layout.ts';

const NEXT: Record<OrderStatus, OrderStatus[]> = {
  placed: ['accepted', 'cancelled'],
  accepted: ['ready', 'cancelled'],
  ready: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};
const path = (lang: Lang) => (lang === 'fr' ? '/fr/marchand/commandes' : '/en/merchant/orders');
const transitionForm = z.object({
  to: z.enum(['accepted', 'ready', 'completed', 'cancelled']),
  reason: z.string().trim().max(500).optional(),
  _csrf: z.string().optional(),
});

/** Back-office: the merchant's orders and their next steps (staff and owners). */
export default async function merchantOrdersPage(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  for (const lang of ['fr', 'en'] as Lang[]) {
    app.get(path(lang), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const q = (req.query as { status?: string }).status;
      const status = ORDER_STATUSES.includes(q as OrderStatus) ? (q as OrderStatus) : undefined;
      const orders = await listMerchantOrders(db, access.merchantId, status);
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
          body: html`<h1>${t(lang, 'order.merchant_orders')}</h1>
            <nav class="filters">
              <a href=${path(lang)}>${lang === 'fr' ? 'Toutes' : 'All'}</a>
              ${ORDER_STATUSES.map((s) => html` · <a href=${`${path(lang)}?status=${s}`} aria-current=${s === status ? 'page' : undefined}>${t(lang, `order.status.${s}`)}</a>`)}
            </nav>
            <table class="data">
              <thead><tr>
                <th scope="col">#</th><th scope="col">${t(lang, 'order.customer')}</th><th scope="col">${t(lang, 'cart.total')}</th>
                <th scope="col">${lang === 'fr' ? 'Statut' : 'Status'}</th><th scope="col"></th>
              </tr></thead>
              <tbody>
                ${orders.map(
                  (o) => html`<tr data-order=${o.order_id}>
                    <td>${o.order_id}<br /><small>${formatDate(o.created_at, lang)}</small></td>
                    <td>${o.customer_name}<br /><small>${o.customer_email}${o.customer_phone ? ` · ${o.customer_phone}` : ''}</small><br /><small>${t(lang, o.fulfilment_method === 'pickup' ? 'checkout.pickup' : 'checkout.delivery')}</small></td>
                    <td>${Money(lang, o.total_cents)}<br /><small>${t(lang, `payment.method.${o.payment_method}`)}</small></td>
                    <td>${t(lang, `order.status.${o.status}`)}</td>
                    <td>${NEXT[o.status].map(
                      (
                        to,
                      ) => html`<form method="post" action=${`${path(lang)}/${o.order_id}/transitions`} class="inline">
                        <input type="hidden" name="_csrf" value=${csrf} />
                        <input type="hidden" name="to" value=${to} />
                        ${to === 'cancelled' ? html`<label class="sr" for=${`r-${o.order_id}`}>${t(lang, 'order.reason')}</label><input id=${`r-${o.order_id}`} name="reason" type="text" maxlength="500" placeholder=${t(lang, 'order.reason')} />` : null}
                        <button type="submit">${t(lang, 'order.move_to', { status: t(lang, `order.status.${to}`) })}</button>
                      </form>`,
                    )}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
            ${orders.length ? null : html`<p>${t(lang, 'order.none')}</p>`}`,
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
        if (r.status === 'cancelled') await refundCancelledOrder(db, ctx.config, r.order_id);
        await sendStatusEmail(checkoutDeps(ctx), r.order_id).catch((err: unknown) =>
          req.log.error({ err }, 'status email failed'),
        );
        return reply.redirect(path(lang), 303);
      },
    );
  }
}
