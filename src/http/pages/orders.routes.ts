import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatDate, type Lang, t } from '../../i18n/index.ts';
import { registerAccountSection } from '../../modules/accounts/index.ts';
import {
  authorizeOrder,
  getOrder,
  listUserOrders,
  orderAccessToken,
  receiptLines,
  regionTimeZone,
  trackingPath,
} from '../../modules/orders/index.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { Money } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const params = z.object({ id: z.coerce.number().int().positive() });

/** Customer order tracking (signed link from the confirmation email) and the account's order list. */
export default async function orderPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  registerAccountSection('orders', 10, async ({ db: adb, userId, email, lang }) => {
    const rows = await listUserOrders(adb, userId, email);
    return html`<section class="account-orders" aria-labelledby="orders-h">
      <h2 id="orders-h">${t(lang, 'order.my_orders')}</h2>
      ${
        rows.length
          ? html`<ul>
              ${rows.map(
                (o) => html`<li>
                  <a href=${trackingPath(lang, o.id, orderAccessToken(ctx.secret, o.id, o.access_token_hash))}>${t(lang, 'order.title', { order: o.id })}</a>
                  — ${o.merchant_name} — ${Money(lang, o.total_cents)} — ${t(lang, `order.status.${o.status}`)} — ${formatDate(o.created_at, lang)}
                </li>`,
              )}
            </ul>`
          : html`<p>${t(lang, 'order.none')}</p>`
      }
    </section>`;
  });

  for (const lang of ['fr', 'en'] as Lang[]) {
    app.get(`${localPath(lang, 'orders')}/:id`, { schema: { hide: true, params } }, async (req, reply) => {
      const { id } = req.params as z.infer<typeof params>;
      await authorizeOrder(db, ctx.secret, id, (req.query as { token?: string }).token);
      const o = await getOrder(db, id);
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'order.title', { order: o.id }) });
      const body = html`<article class="order-tracking">
        <h1>${t(lang, 'order.title', { order: o.id })}</h1>
        <p class="status" data-status=${o.status}><strong>${t(lang, `order.status.${o.status}`)}</strong> — ${o.merchant_name}</p>
        <h2>${t(lang, 'order.history')}</h2>
        <ol class="history">
          ${o.events.map(
            (e) => html`<li>
              <time datetime=${e.created_at}>${formatDate(e.created_at, lang)}</time> — ${t(lang, `order.status.${e.to_status}`)}
              ${e.reason ? html` (${t(lang, 'order.reason')} : ${e.reason})` : null}
            </li>`,
          )}
        </ol>
        <pre class="receipt">${receiptLines(o, lang, await regionTimeZone(db)).join('\n')}</pre>
        <p><a href=${localPath(lang, 'cart')}>${t(lang, 'cart.title')}</a></p>
      </article>`;
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    });
  }
}
