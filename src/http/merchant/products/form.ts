/**
 * The product form (new, edit) with its photos and its stock per store, and the posts that
 * save the product and that stock.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Lang, t } from '../../../i18n/index.ts';
import { ValidationError } from '../../../lib/errors.ts';
import {
  getProduct,
  type ProductForm,
  type ProductStockForm,
  productForm,
  productStock,
  productStockForm,
  saveProduct,
  saveStockCells,
} from '../../../modules/backoffice/index.ts';
import { QUEBEC_LABELS, TAX_CLASSES } from '../../../modules/catalog/index.ts';
import { listCategories } from '../../../modules/region/index.ts';
import { indexProducts } from '../../../modules/search/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { html } from '../../pages/html.ts';
import {
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
  Select,
  TextArea,
} from '../forms.ts';
import { bo, renderBo } from '../layout.ts';
import { dollars, type FormValues, idParams, fieldText as s, stockErrors, titleIn } from './shared.ts';

/** Renders the product form (`id` undefined: a new product) with `v` as the fields' values. */
export type ProductFormPage = (
  req: FastifyRequest,
  reply: FastifyReply,
  access: MerchantAccess,
  id: number | undefined,
  v: FormValues,
  errors?: FieldErrors,
  notice?: string,
) => Promise<unknown>;

/** A product's fields as the form shows them (price in dollars). */
export const formValues = (p: Awaited<ReturnType<typeof getProduct>>): FormValues => ({
  ...p,
  price: dollars(p.price_cents),
});

export function productFormPage(ctx: AppContext, lang: Lang): ProductFormPage {
  const { db } = ctx.database;
  const title = titleIn(lang);
  return async (req, reply, access, id, v, errors, notice) => {
    const categories = await listCategories(db);
    const token = reply.generateCsrf();
    const stock = id ? await productStock(db, access.merchantId, id) : undefined;
    const images = stock?.product.images ?? [];
    const action = bo(lang, 'products', id ? `/${id}` : '/nouveau');
    return renderBo(
      req,
      reply,
      ctx,
      lang,
      access,
      {
        section: 'products',
        rest: id ? `/${id}` : '/nouveau',
        title: s(v, 'title_fr') || t(lang, 'backoffice.add_product'),
        status: errors ? 400 : 200,
        body: html`<h1>${(id && title(v as never)) || t(lang, 'backoffice.add_product')}</h1>
          ${Notice(notice)} ${ErrorSummary(lang, errors)}
          <form method="post" action=${action} novalidate>
            ${Csrf(token)}
            ${Field({ name: 'sku', label: 'SKU', value: s(v, 'sku'), errors, required: true })}
            ${Field({ name: 'title_fr', label: t(lang, 'backoffice.title_fr'), value: s(v, 'title_fr'), errors, required: true, attrs: { lang: 'fr' } })}
            ${Field({ name: 'title_en', label: t(lang, 'backoffice.title_en'), value: s(v, 'title_en'), errors, attrs: { lang: 'en' } })}
            ${TextArea({ name: 'description_fr', label: t(lang, 'backoffice.description_fr'), value: s(v, 'description_fr'), errors })}
            ${TextArea({ name: 'description_en', label: t(lang, 'backoffice.description_en'), value: s(v, 'description_en'), errors })}
            ${Field({ name: 'price', label: t(lang, 'backoffice.price_dollars'), value: s(v, 'price'), errors, required: true, attrs: { inputmode: 'decimal' } })}
            ${Select({
              name: 'category_id',
              label: t(lang, 'backoffice.category'),
              value: s(v, 'category_id'),
              errors,
              options: [
                { value: '', label: '—' },
                ...categories.map((c) => ({ value: c.id, label: lang === 'fr' ? c.name_fr : c.name_en })),
              ],
            })}
            ${Field({ name: 'brand', label: t(lang, 'backoffice.brand'), value: s(v, 'brand'), errors })}
            ${Field({ name: 'gtin', label: t(lang, 'backoffice.gtin'), value: s(v, 'gtin'), errors, attrs: { inputmode: 'numeric' } })}
            ${Select({
              name: 'tax_class',
              label: t(lang, 'backoffice.tax_class'),
              value: s(v, 'tax_class') || 'standard',
              errors,
              options: TAX_CLASSES.map((x) => ({ value: x, label: t(lang, `backoffice.tax_${x}`) })),
            })}
            ${Select({
              name: 'quebec_label',
              label: t(lang, 'backoffice.quebec_label'),
              value: s(v, 'quebec_label'),
              errors,
              hint: t(lang, 'backoffice.quebec_label_hint'),
              options: [
                { value: '', label: t(lang, 'backoffice.none') },
                ...QUEBEC_LABELS.map((x) => ({ value: x, label: t(lang, `label.${x}`) })),
              ],
            })}
            ${Select({
              name: 'status',
              label: t(lang, 'admin.status'),
              value: s(v, 'status') || 'active',
              options: ['active', 'archived'].map((x) => ({
                value: x,
                label: t(lang, `backoffice.product_${x}`),
              })),
            })}
            <button type="submit">${t(lang, 'form.save')}</button>
          </form>
          ${
            id && stock
              ? html`<section aria-labelledby="img-h">
                    <h2 id="img-h">${t(lang, 'backoffice.images')}</h2>
                    <ul class="thumbs">
                      ${images.map(
                        (im, i) => html`<li>
                          <img src=${(im as { sizes?: Record<string, string> }).sizes?.['400'] ?? im.url} alt="" width="120" />
                          <form method="post" action=${bo(lang, 'products', `/${id}/images/${i}/supprimer`)} data-confirm=${t(lang, 'backoffice.confirm_delete')}>
                            ${Csrf(token)}<button type="submit">${t(lang, 'backoffice.delete')}</button>
                          </form>
                        </li>`,
                      )}
                    </ul>
                    <form method="post" action=${bo(lang, 'products', `/${id}/images`)} enctype="multipart/form-data">
                      ${Csrf(token)}
                      ${Field({ name: 'image', type: 'file', label: t(lang, 'backoffice.add_image'), hint: t(lang, 'backoffice.image_hint'), errors, attrs: { accept: 'image/jpeg,image/png,image/webp' } })}
                      <button type="submit">${t(lang, 'backoffice.upload')}</button>
                    </form>
                  </section>
                  <section aria-labelledby="stock-h">
                    <h2 id="stock-h">${t(lang, 'backoffice.stock_by_location')}</h2>
                    <form method="post" action=${bo(lang, 'products', `/${id}/stock`)}>
                      ${Csrf(token)}
                      <table class="data">
                        <thead>
                          <tr>
                            <th scope="col">${t(lang, 'backoffice.location')}</th>
                            <th scope="col">${t(lang, 'backoffice.on_hand')}</th>
                            <th scope="col">${t(lang, 'backoffice.reserved')}</th>
                          </tr>
                        </thead>
                        <tbody>
                          ${stock.levels.map(
                            (l) => html`<tr>
                              <th scope="row"><label for=${`q-${l.id}`}>${l.name}</label></th>
                              <td>
                                <input id=${`q-${l.id}`} name=${`on_hand_${l.id}`} type="number" min=${l.reserved} step="1" value=${l.on_hand}
                                  aria-invalid=${errors?.[`on_hand_${l.id}`] ? 'true' : undefined}
                                  aria-describedby=${errors?.[`on_hand_${l.id}`] ? `q-${l.id}-error` : undefined} />
                                ${errors?.[`on_hand_${l.id}`] ? html`<p class="field-error" id=${`q-${l.id}-error`}>${errors[`on_hand_${l.id}`]}</p>` : null}
                              </td>
                              <td>${l.reserved}</td>
                            </tr>`,
                          )}
                        </tbody>
                      </table>
                      <button type="submit">${t(lang, 'backoffice.update_stock')}</button>
                    </form>
                  </section>`
              : null
          }`,
      },
      token,
    );
  };
}

export function productFormRoutes(app: FastifyInstance, ctx: AppContext, lang: Lang, page: ProductFormPage) {
  const { db } = ctx.database;
  const flash = (q: unknown) => {
    const k = (q as { done?: string }).done;
    return k && /^[a-z_]+$/.test(k) ? t(lang, `backoffice.done_${k}`) : undefined;
  };

  app.get(bo(lang, 'products', '/nouveau'), { schema: { hide: true } }, async (req, reply) => {
    const access = await requireMerchantRole(req, ctx);
    return page(req, reply, access, undefined, { status: 'active', tax_class: 'standard' });
  });
  app.get(bo(lang, 'products', '/:id'), { schema: { hide: true, params: idParams } }, async (req, reply) => {
    const access = await requireMerchantRole(req, ctx);
    const { id } = req.params as { id: number };
    const p = await getProduct(db, access.merchantId, id);
    return page(req, reply, access, id, formValues(p), undefined, flash(req.query));
  });

  const save = (withId: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const access = await requireMerchantRole(req, ctx);
    const id = withId ? (req.params as { id: number }).id : undefined;
    if (id !== undefined) await getProduct(db, access.merchantId, id);
    const body = req.body as ProductForm;
    let saved: number;
    try {
      saved = await saveProduct(db, access.merchantId, id, body);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return page(req, reply, access, id, body, issuesToErrors(lang, e.issues));
    }
    // Keep the search index in step (archived products leave it).
    await indexProducts(ctx.database, [saved]);
    return reply.redirect(`${bo(lang, 'products', `/${saved}`)}?done=saved`, 303);
  };
  app.post(
    bo(lang, 'products', '/nouveau'),
    { schema: { hide: true, body: productForm }, preHandler: app.csrfProtection },
    save(false),
  );
  app.post(
    bo(lang, 'products', '/:id'),
    { schema: { hide: true, params: idParams, body: productForm }, preHandler: app.csrfProtection },
    save(true),
  );

  app.post(
    bo(lang, 'products', '/:id/stock'),
    { schema: { hide: true, params: idParams, body: productStockForm }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const { id } = req.params as { id: number };
      const { product, levels } = await productStock(db, access.merchantId, id);
      const body = req.body as ProductStockForm;
      // A blank field leaves its store unchanged; fields of other stores are ignored.
      const cells = levels.flatMap((l) => {
        const field = `on_hand_${l.id}`;
        const value = body[field];
        return value === undefined || value === '' ? [] : [{ productId: id, locationId: l.id, field, value }];
      });
      // The inventory module applies the stock rules and publishes the `stock` events (SSE, webhooks).
      const r = await saveStockCells(db, ctx.events, access.merchantId, cells);
      if (r.errors.length)
        return page(req, reply, access, id, formValues(product), stockErrors(lang, r.errors));
      return reply.redirect(`${bo(lang, 'products', `/${id}`)}?done=stock`, 303);
    },
  );
}
