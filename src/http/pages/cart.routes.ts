import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Lang, labelColon, t, tp } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import {
  addItem,
  type CartView,
  cartByToken,
  createCart,
  getCartView,
  lineTitle,
  quantityForm,
  removeItem,
  updateItem,
  zonesText,
} from '../../modules/cart/index.ts';
import { formatSlot } from '../../modules/orders/index.ts';
import type { DiscountedCartView } from '../../workflows/promo.ts';
import { cartCookie, setCartCookie } from '../api/cart.routes.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { HoursTable, Money } from './components/ui.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const langParam = z.object({ lang: z.enum(['fr', 'en']) });
/** An optional id field of a form: empty is absent. */
const optionalId = z.coerce
  .number()
  .int()
  .positive()
  .optional()
  .or(z.literal('').transform(() => undefined));
const addForm = z.object({
  product_id: z.coerce.number().int().positive(),
  /** The variant chosen on the product page (products with several variants). */
  variant_id: optionalId,
  location_id: optionalId,
  quantity: quantityForm.default(1),
  _csrf: z.string().optional(),
});
const qtyForm = z.object({ quantity: quantityForm, _csrf: z.string().optional() });
/** A line id in the URL; anything else is no line of the cart. */
const itemParam = z.object({ item_id: z.coerce.number().int().positive() });

/** The visitor's cart (from the cart cookie), created on first add. */
export async function currentCart(req: FastifyRequest, ctx: AppContext) {
  return cartByToken(ctx.database.db, cartCookie(req, ctx));
}

function errorMessage(lang: Lang, err: unknown): string | undefined {
  if (err instanceof ValidationError) return err.issues.map((i) => t(lang, i.message, i.params)).join(' ');
  if (err instanceof AppError && err.status < 500) return t(lang, err.messageKey, err.params);
  return undefined;
}

/** A pickup store's next slots (local time); the customer picks one at checkout. */
function NextSlots(lang: Lang, slots: string[], timeZone: string) {
  if (!slots.length) return html`<p class="hint pickup-slots">${t(lang, 'pickup.no_slots')}</p>`;
  return html`<p class="hint pickup-slots">
    ${labelColon(lang, t(lang, 'pickup.next_slots'))}${' '}
    ${slots.slice(0, 3).map((x, i) => html`${i ? ', ' : ''}<time datetime=${x}>${formatSlot(x, lang, timeZone)}</time>`)}
  </p>`;
}

/** The cart's merchant groups; with a promo applied (checkout summary), each group's discount before taxes. */
export function CartGroups(
  lang: Lang,
  view: CartView | DiscountedCartView,
  csrf: string | null,
  /** The region's time zone: the cart page shows each store's next pickup slots in it. */
  timeZone?: string,
) {
  const code = 'promo' in view ? view.promo?.code : undefined;
  return view.groups.map(
    (g) => html`<section class="cart-group" aria-labelledby=${`m-${g.merchant.id}`}>
      <h2 id=${`m-${g.merchant.id}`}><a href=${`/${lang}/m/${g.merchant.slug}`}>${g.merchant.name}</a></h2>
      ${g.merchant.available ? null : html`<p class="error merchant-unavailable" role="alert">${t(lang, 'cart.merchant_unavailable')}</p>`}
      <table class="cart-lines">
        <thead>
          <tr><th scope="col">${lang === 'fr' ? 'Article' : 'Item'}</th><th scope="col">${t(lang, 'cart.quantity')}</th><th scope="col">${t(lang, 'cart.total')}</th></tr>
        </thead>
        <tbody>
          ${g.items.map(
            (i) => html`<tr data-item=${i.item_id}>
              <td>
                <a href=${`/${lang}/p/${i.product_id}`}>${lineTitle(i)}</a> · ${Money(lang, i.unit_price_cents)}
                <br /><small class=${i.available < i.quantity ? 'stock out' : 'stock'}>${
                  !g.merchant.available
                    ? t(lang, 'cart.merchant_line_unavailable')
                    : i.available < i.quantity
                      ? t(lang, 'cart.unavailable')
                      : tp(lang, 'cart.available_n', i.available)
                }</small>
              </td>
              <td>
                ${
                  csrf
                    ? html`<form method="post" action=${`${localPath(lang, 'cart')}/articles/${i.item_id}`} class="inline">
                        <input type="hidden" name="_csrf" value=${csrf} />
                        <label class="sr" for=${`q-${i.item_id}`}>${t(lang, 'cart.quantity')}</label>
                        <input id=${`q-${i.item_id}`} name="quantity" type="number" min="1" max="999" value=${i.quantity} inputmode="numeric" />
                        <button type="submit">${t(lang, 'cart.update')}</button>
                      </form>
                      <form method="post" action=${`${localPath(lang, 'cart')}/articles/${i.item_id}/${lang === 'fr' ? 'retirer' : 'remove'}`} class="inline">
                        <input type="hidden" name="_csrf" value=${csrf} />
                        <button type="submit" class="danger">${t(lang, 'cart.remove')}</button>
                      </form>`
                    : i.quantity
                }
              </td>
              <td>${Money(lang, i.unit_price_cents * i.quantity)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      <div class="fulfilment-options">
        ${g.fulfilment_options.map((o) =>
          o.method === 'pickup'
            ? html`<details><summary>${t(lang, 'cart.pickup_at')} ${o.name}, ${o.address}</summary>${HoursTable(lang, o.hours)}</details>
                ${timeZone ? NextSlots(lang, o.slots, timeZone) : null}`
            : html`<p>${t(lang, 'delivery.option', { store: o.name })} — ${zonesText(lang, o)}</p>`,
        )}
      </div>
      <dl class="totals">
        <dt>${t(lang, 'cart.subtotal')}</dt><dd>${Money(lang, g.subtotal_cents)}</dd>
        ${
          'discount_cents' in g && g.discount_cents
            ? html`<dt>${t(lang, 'cart.discount', { code: code ?? '' })}</dt><dd class="discount">${Money(lang, -g.discount_cents)}</dd>`
            : null
        }
        ${g.delivery_fee_cents ? html`<dt>${t(lang, 'checkout.delivery_fee_line')}</dt><dd class="delivery-fee">${Money(lang, g.delivery_fee_cents)}</dd>` : null}
        <dt>${t(lang, 'receipt.gst')}</dt><dd>${Money(lang, g.gst_cents)}</dd>
        <dt>${t(lang, 'receipt.qst')}</dt><dd>${Money(lang, g.qst_cents)}</dd>
        <dt class="total">${t(lang, 'cart.total')}</dt><dd class="total">${Money(lang, g.total_cents)}</dd>
      </dl>
      ${
        // Small suppliers (decision record 0005): say why there is no tax, or who collects it.
        g.tax_collection.regime === 'registered'
          ? null
          : html`<p class="hint" data-tax-regime=${g.tax_collection.regime}>${
              g.tax_collection.platform
                ? t(lang, 'small_supplier.cart_platform', { name: g.tax_collection.platform.legal_name })
                : t(lang, 'small_supplier.cart_not_registered')
            }</p>`
      }
    </section>`,
  );
}

export default async function cartPageRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function render(req: FastifyRequest, reply: FastifyReply, lang: Lang, error?: string, status = 200) {
    const cart = await currentCart(req, ctx);
    const view = cart ? await getCartView(db, cart.id, lang) : undefined;
    const csrf = reply.generateCsrf();
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'cart.title'),
      cartCount: view?.item_count,
    });
    const body = html`<div class="cart-page">
      <div class="page-head">
        <h1>${t(lang, 'cart.title')}</h1>
        ${view?.item_count ? html`<p class="lead">${tp(lang, 'cart.items_n', view.item_count)}</p>` : null}
      </div>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      ${
        !view || view.groups.length === 0
          ? html`<p class="empty">${t(lang, 'cart.empty')}</p>`
          : html`${CartGroups(lang, view, csrf, pc.region.timezone)}
            <p class="grand-total">${labelColon(lang, t(lang, 'cart.total'))} <strong>${Money(lang, view.total_cents)}</strong></p>
            <p class="hint">${t(lang, 'cart.taxes_note')}</p>
            <p class="checkout-actions"><a class="button btn-primary btn-large" href=${localPath(lang, 'checkout')}>${t(lang, 'cart.checkout')}</a></p>`
      }
    </div>`;
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, renderDocument(Layout(pc, body)), status);
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(localPath(lang, 'cart'), { schema: { hide: true } }, (req, reply) => render(req, reply, lang));

    app.post(
      `${localPath(lang, 'cart')}/articles/:item_id`,
      { schema: { hide: true }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const cart = await currentCart(req, ctx);
        const itemId = Number((req.params as { item_id: string }).item_id);
        const form = qtyForm.safeParse(req.body);
        try {
          if (!cart) throw new AppError('not_found');
          await updateItem(db, cart.id, itemId, form.success ? form.data.quantity : 0);
        } catch (err) {
          const msg = errorMessage(lang, err);
          if (!msg) throw err;
          return render(req, reply, lang, msg, 400);
        }
        return reply.redirect(localPath(lang, 'cart'), 303);
      },
    );

    app.post(
      `${localPath(lang, 'cart')}/articles/:item_id/${lang === 'fr' ? 'retirer' : 'remove'}`,
      { schema: { hide: true }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const cart = await currentCart(req, ctx);
        const item = itemParam.safeParse(req.params);
        if (cart && item.success)
          try {
            await removeItem(db, cart.id, item.data.item_id);
          } catch (err) {
            // Already gone (a double submit, another tab): the cart page shows the cart as it is now.
            if (!(err instanceof AppError && err.code === 'not_found')) throw err;
          }
        return reply.redirect(localPath(lang, 'cart'), 303);
      },
    );
  }

  /** "Add to cart" form of the product page (fields product_id, variant_id, location_id, quantity, _csrf). */
  app.post(
    '/:lang/panier/ajouter',
    { schema: { hide: true, params: langParam }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const { lang } = req.params as z.infer<typeof langParam>;
      const form = addForm.safeParse(req.body);
      let cart = await currentCart(req, ctx);
      try {
        if (!form.success)
          throw new ValidationError([{ field: 'product_id', message: 'cart.product_unknown' }]);
        if (!cart) {
          const created = await createCart(db);
          setCartCookie(reply, ctx, created.token);
          cart = { id: created.cart_id, user_id: null };
        }
        await addItem(db, cart.id, {
          product_id: form.data.product_id,
          variant_id: form.data.variant_id,
          location_id: form.data.location_id,
          quantity: form.data.quantity,
        });
      } catch (err) {
        const msg = errorMessage(lang, err);
        if (!msg) throw err;
        return render(req, reply, lang, msg, err instanceof AppError ? err.status : 400);
      }
      return reply.redirect(localPath(lang, 'cart'), 303);
    },
  );
}

/**
 * Markup for the product page's "Add to cart" form (one per offer/location); `variantId` (a product
 * with several variants) posts the variant chosen, the cart refusing the product alone.
 */
export function AddToCartForm(
  lang: Lang,
  productId: number,
  locationId: number,
  csrf: string,
  variantId?: number,
) {
  return html`<form method="post" action=${`/${lang}/panier/ajouter`} class="add-to-cart">
    <input type="hidden" name="_csrf" value=${csrf} />
    <input type="hidden" name="product_id" value=${productId} />
    ${variantId === undefined ? null : html`<input type="hidden" name="variant_id" value=${variantId} />`}
    <input type="hidden" name="location_id" value=${locationId} />
    <label for=${`qty-${locationId}`}>${t(lang, 'cart.quantity')}</label>
    <input id=${`qty-${locationId}`} name="quantity" type="number" min="1" max="999" value="1" inputmode="numeric" />
    <button type="submit">${t(lang, 'cart.add')}</button>
  </form>`;
}
