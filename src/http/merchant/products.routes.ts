import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { t, tp } from '../../i18n/index.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import { MAX_IMAGE_BYTES } from '../../modules/backoffice/images.ts';
import {
  getProduct,
  listLocations,
  listProducts,
  PRODUCTS_PER_PAGE,
  type ProductFilters,
  processProductImage,
  productFilters,
  productStock,
  removeProductImages,
  saveProduct,
  setProductImages,
} from '../../modules/backoffice/index.ts';
import { QUEBEC_LABELS, TAX_CLASSES } from '../../modules/catalog/index.ts';
import { RowErrors, syncInventory } from '../../modules/inventory/index.ts';
import { listImageFailures } from '../../modules/media/index.ts';
import { listCategories } from '../../modules/region/index.ts';
import { indexProducts } from '../../modules/search/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Money, Pager } from '../pages/components/ui.ts';
import { html } from '../pages/html.ts';
import {
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
  Select,
  TextArea,
} from './forms.ts';
import { ImageFailures } from './image-failures.ts';
import { bo, renderBo } from './layout.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const imgParams = z.object({
  id: z.coerce.number().int().positive(),
  index: z.coerce.number().int().min(0).max(50),
});
const anyBody = z.record(z.string(), z.unknown());
type V = Record<string, unknown>;
const s = (v: V, k: string) => (v[k] === undefined || v[k] === null ? '' : String(v[k]));
const price = (cents: number) => (cents / 100).toFixed(2);

/** Products (list, search, filters, create/edit, images) and stock per location. */
export default async function productRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  // Multipart only here (images); fields land in req.body so the CSRF token is read as usual.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 20 },
  });

  // Uploaded product images (content-hashed names: cached for good).
  app.get(
    '/media/p/:merchant/:file',
    {
      schema: {
        hide: true,
        params: z.object({
          merchant: z.string().regex(/^\d+$/),
          file: z.string().regex(/^[0-9a-f]{24}-\d+\.webp$/),
        }),
      },
    },
    async (req, reply) => {
      const { merchant, file } = req.params as { merchant: string; file: string };
      const path = join(ctx.config.dataDir, 'media', 'p', merchant, file);
      if (!existsSync(path)) throw notFound('image');
      return reply
        .type('image/webp')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(path));
    },
  );

  /** Inventory grid: products (rows) × the merchant's locations (columns), one form. */
  async function stockGrid(merchantId: number, f: ProductFilters) {
    const { total, rows } = await listProducts(db, merchantId, f);
    const locations = await listLocations(db, merchantId);
    const levels = rows.length
      ? await db
          .selectFrom('inventory_levels')
          .select(['product_id', 'location_id', 'on_hand', 'reserved'])
          .where(
            'product_id',
            'in',
            rows.map((r) => r.id),
          )
          .execute()
      : [];
    const level = (pid: number, lid: number) =>
      levels.find((l) => l.product_id === pid && l.location_id === lid) ?? { on_hand: 0, reserved: 0 };
    return { total, rows, locations, level };
  }

  for (const lang of ['fr', 'en'] as const) {
    const title = (p: { title_fr: string; title_en: string }) => (lang === 'en' && p.title_en) || p.title_fr;

    app.get(bo(lang, 'products'), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const f = productFilters.parse(req.query ?? {});
      const [{ total, rows }, categories, imageFailures] = await Promise.all([
        listProducts(db, access.merchantId, f),
        listCategories(db),
        listImageFailures(db, access.merchantId, lang),
      ]);
      const pages = Math.max(1, Math.ceil(total / PRODUCTS_PER_PAGE));
      const qs = (page: number) =>
        `${bo(lang, 'products')}?${new URLSearchParams({ q: f.q, status: f.status, stock: f.stock, ...(f.category ? { category: String(f.category) } : {}), page: String(page) })}`;
      return renderBo(req, reply, ctx, lang, access, {
        section: 'products',
        title: t(lang, 'backoffice.nav_products'),
        body: html`<h1>${t(lang, 'backoffice.nav_products')}</h1>
          <p><a class="button" href=${bo(lang, 'products', '/nouveau')}>${t(lang, 'backoffice.add_product')}</a></p>
          <form method="get" action=${bo(lang, 'products')} class="filters" role="search">
            ${Field({ name: 'q', type: 'search', label: t(lang, 'backoffice.search_products'), value: f.q })}
            ${Select({
              name: 'status',
              label: t(lang, 'admin.status'),
              value: f.status,
              options: ['active', 'archived', 'all'].map((x) => ({
                value: x,
                label: t(lang, `backoffice.product_${x}`),
              })),
            })}
            ${Select({
              name: 'category',
              label: t(lang, 'onboarding.categories'),
              value: f.category ?? '',
              options: [
                { value: '', label: t(lang, 'backoffice.any') },
                ...categories.map((c) => ({ value: c.id, label: lang === 'fr' ? c.name_fr : c.name_en })),
              ],
            })}
            ${Select({
              name: 'stock',
              label: t(lang, 'backoffice.stock_filter'),
              value: f.stock,
              options: ['all', 'low', 'out'].map((x) => ({
                value: x,
                label: t(lang, `backoffice.stock_${x}`),
              })),
            })}
            <button type="submit">${t(lang, 'backoffice.filter')}</button>
          </form>
          ${ImageFailures(lang, imageFailures, (id) => bo(lang, 'products', `/${id}`))}
          <p role="status">${tp(lang, 'backoffice.product_count_n', total)}</p>
          ${
            rows.length
              ? html`<table class="data">
                  <thead>
                    <tr>
                      <th scope="col">${t(lang, 'backoffice.product')}</th>
                      <th scope="col">SKU</th>
                      <th scope="col">${t(lang, 'backoffice.price')}</th>
                      <th scope="col">${t(lang, 'backoffice.available')}</th>
                      <th scope="col">${t(lang, 'admin.status')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows.map(
                      (r) => html`<tr>
                        <th scope="row"><a href=${bo(lang, 'products', `/${r.id}`)}>${title(r)}</a></th>
                        <td>${r.sku}</td>
                        <td>${Money(lang, r.price_cents)}</td>
                        <td>${r.available}</td>
                        <td>${t(lang, `backoffice.product_${r.status}`)}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>`
              : null
          }
          ${Pager(lang, f.page, pages, qs)}`,
      });
    });

    const stockPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      f: ProductFilters,
      opts: { errors?: FieldErrors; posted?: V; notice?: string } = {},
    ) => {
      const g = await stockGrid(access.merchantId, f);
      const pages = Math.max(1, Math.ceil(g.total / PRODUCTS_PER_PAGE));
      const token = reply.generateCsrf();
      const qs = (page: number) =>
        `${bo(lang, 'stock')}?${new URLSearchParams({ q: f.q, stock: f.stock, page: String(page) })}`;
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'stock',
          title: t(lang, 'backoffice.nav_stock'),
          status: opts.errors ? 400 : 200,
          body: html`<h1>${t(lang, 'backoffice.nav_stock')}</h1>
            ${Notice(opts.notice)} ${ErrorSummary(lang, opts.errors)}
            <form method="get" action=${bo(lang, 'stock')} class="filters" role="search">
              ${Field({ name: 'q', type: 'search', label: t(lang, 'backoffice.search_products'), value: f.q })}
              ${Select({
                name: 'stock',
                label: t(lang, 'backoffice.stock_filter'),
                value: f.stock,
                options: ['all', 'low', 'out'].map((x) => ({
                  value: x,
                  label: t(lang, `backoffice.stock_${x}`),
                })),
              })}
              <button type="submit">${t(lang, 'backoffice.filter')}</button>
            </form>
            <p>${t(lang, 'backoffice.stock_intro')}</p>
            <form method="post" action=${`${bo(lang, 'stock')}?${new URLSearchParams({ q: f.q, stock: f.stock, page: String(f.page) })}`}>
              ${Csrf(token)}
              <table class="data stock-grid">
                <thead>
                  <tr>
                    <th scope="col">${t(lang, 'backoffice.product')}</th>
                    ${g.locations.map((l) => html`<th scope="col">${l.name}</th>`)}
                  </tr>
                </thead>
                <tbody>
                  ${g.rows.map(
                    (r) => html`<tr>
                      <th scope="row"><a href=${bo(lang, 'products', `/${r.id}`)}>${title(r)}</a> <small>${r.sku}</small></th>
                      ${g.locations.map((l) => {
                        const name = `q_${r.id}_${l.id}`;
                        const cur = g.level(r.id, l.id);
                        const err = opts.errors?.[name];
                        return html`<td>
                          <label class="sr" for=${name}>${t(lang, 'backoffice.qty_label', { product: title(r), location: l.name })}</label>
                          <input id=${name} name=${name} type="number" min="0" step="1" inputmode="numeric"
                            value=${opts.posted?.[name] !== undefined ? String(opts.posted[name]) : cur.on_hand}
                            aria-invalid=${err ? 'true' : undefined} aria-describedby=${err ? `${name}-error` : undefined} />
                          ${err ? html`<p class="field-error" id=${`${name}-error`}>${err}</p>` : null}
                        </td>`;
                      })}
                    </tr>`,
                  )}
                </tbody>
              </table>
              <button type="submit">${t(lang, 'backoffice.save_stock')}</button>
            </form>
            ${Pager(lang, f.page, pages, qs)}`,
        },
        token,
      );
    };

    app.get(bo(lang, 'stock'), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const f = productFilters.parse({ ...(req.query as object), status: 'active' });
      const n = Number((req.query as { saved?: string }).saved);
      return stockPage(req, reply, access, f, {
        notice:
          Number.isInteger(n) && n >= 0 && (req.query as { saved?: string }).saved !== undefined
            ? t(lang, 'backoffice.stock_saved', { count: n })
            : undefined,
      });
    });
    app.post(
      bo(lang, 'stock'),
      { schema: { hide: true, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const f = productFilters.parse({ ...(req.query as object), status: 'active' });
        const body = req.body as V;
        const cells: { pid: number; lid: number; name: string; value: unknown }[] = [];
        for (const [k, value] of Object.entries(body)) {
          const m = /^q_(\d+)_(\d+)$/.exec(k);
          if (m) cells.push({ pid: Number(m[1]), lid: Number(m[2]), name: k, value });
        }
        if (cells.length > 5000)
          throw new ValidationError([{ field: '_', message: 'field.too_big', params: { maximum: 5000 } }]);
        // Every id must be the merchant's own: another merchant's product or store is a 404.
        const pids = [...new Set(cells.map((c) => c.pid))];
        const products = pids.length
          ? await db
              .selectFrom('products')
              .select(['id', 'sku'])
              .where('merchant_id', '=', access.merchantId)
              .where('id', 'in', pids)
              .execute()
          : [];
        const locations = await listLocations(db, access.merchantId);
        if (products.length !== pids.length || cells.some((c) => !locations.some((l) => l.id === c.lid)))
          throw notFound('product');
        const levels = pids.length
          ? await db
              .selectFrom('inventory_levels')
              .select(['product_id', 'location_id', 'on_hand', 'reserved'])
              .where('product_id', 'in', pids)
              .execute()
          : [];
        const errors: FieldErrors = {};
        const rows: { sku: string; location_code: string; on_hand: number }[] = [];
        for (const c of cells) {
          const cur = levels.find((l) => l.product_id === c.pid && l.location_id === c.lid) ?? {
            on_hand: 0,
            reserved: 0,
          };
          const n = Number(c.value);
          if (c.value === '' || !Number.isInteger(n) || n < 0 || n > 1_000_000)
            errors[c.name] = t(lang, 'backoffice.qty_invalid');
          else if (n < cur.reserved)
            errors[c.name] = t(lang, 'backoffice.qty_below_reserved', { reserved: cur.reserved });
          else if (n !== cur.on_hand)
            rows.push({
              sku: products.find((p) => p.id === c.pid)?.sku as string,
              location_code: locations.find((l) => l.id === c.lid)?.code as string,
              on_hand: n,
            });
        }
        if (!Object.keys(errors).length && rows.length) {
          try {
            await syncInventory(db, ctx.events, access.merchantId, rows);
          } catch (e) {
            if (!(e instanceof RowErrors)) throw e;
            for (const re of e.errors) errors[`row_${re.row}`] = t(lang, re.key, re.params);
          }
        }
        if (Object.keys(errors).length) return stockPage(req, reply, access, f, { errors, posted: body });
        return reply.redirect(
          `${bo(lang, 'stock')}?${new URLSearchParams({ q: f.q, stock: f.stock, page: String(f.page), saved: String(rows.length) })}`,
          303,
        );
      },
    );

    const productForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      id: number | undefined,
      v: V,
      errors?: FieldErrors,
      notice?: string,
    ) => {
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

    const values = (p: Awaited<ReturnType<typeof getProduct>>): V => ({ ...p, price: price(p.price_cents) });
    const flash = (q: unknown) => {
      const k = (q as { done?: string }).done;
      return k && /^[a-z_]+$/.test(k) ? t(lang, `backoffice.done_${k}`) : undefined;
    };

    app.get(bo(lang, 'products', '/nouveau'), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      return productForm(req, reply, access, undefined, { status: 'active', tax_class: 'standard' });
    });
    app.get(
      bo(lang, 'products', '/:id'),
      { schema: { hide: true, params: idParams } },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const { id } = req.params as { id: number };
        const p = await getProduct(db, access.merchantId, id);
        return productForm(req, reply, access, id, values(p), undefined, flash(req.query));
      },
    );

    const save = (withId: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const access = await requireMerchantRole(req, ctx);
      const id = withId ? (req.params as { id: number }).id : undefined;
      if (id !== undefined) await getProduct(db, access.merchantId, id);
      const body = req.body as V;
      let saved: number;
      try {
        saved = await saveProduct(db, access.merchantId, id, body);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return productForm(req, reply, access, id, body, issuesToErrors(lang, e.issues));
      }
      // Keep the search index in step (archived products leave it).
      await indexProducts(ctx.database, [saved]);
      return reply.redirect(`${bo(lang, 'products', `/${saved}`)}?done=saved`, 303);
    };
    app.post(
      bo(lang, 'products', '/nouveau'),
      { schema: { hide: true, body: anyBody }, preHandler: app.csrfProtection },
      save(false),
    );
    app.post(
      bo(lang, 'products', '/:id'),
      { schema: { hide: true, params: idParams, body: anyBody }, preHandler: app.csrfProtection },
      save(true),
    );

    app.post(
      bo(lang, 'products', '/:id/images'),
      { schema: { hide: true, params: idParams }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const { id } = req.params as { id: number };
        const p = await getProduct(db, access.merchantId, id);
        const file = (req.body as V | undefined)?.image;
        try {
          if (p.images.length >= 8)
            throw new ValidationError([{ field: 'image', message: 'backoffice.too_many_images' }]);
          const img = await processProductImage(Buffer.isBuffer(file) ? file : Buffer.alloc(0), {
            dataDir: ctx.config.dataDir,
            merchantId: access.merchantId,
          });
          await setProductImages(db, access.merchantId, id, [...p.images, img]);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          return productForm(req, reply, access, id, values(p), issuesToErrors(lang, e.issues));
        }
        return reply.redirect(`${bo(lang, 'products', `/${id}`)}?done=image_added`, 303);
      },
    );

    app.post(
      bo(lang, 'products', '/:id/images/:index/supprimer'),
      { schema: { hide: true, params: imgParams, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const { id, index } = req.params as z.infer<typeof imgParams>;
        const p = await getProduct(db, access.merchantId, id);
        const img = p.images[index];
        if (!img) throw notFound('image');
        const rest = p.images.filter((_, i) => i !== index);
        await setProductImages(db, access.merchantId, id, rest);
        const sizes = (img as { sizes?: Record<string, string> }).sizes;
        removeProductImages(ctx.config.dataDir, access.merchantId, sizes ? Object.values(sizes) : [img.url]);
        return reply.redirect(`${bo(lang, 'products', `/${id}`)}?done=image_removed`, 303);
      },
    );

    app.post(
      bo(lang, 'products', '/:id/stock'),
      { schema: { hide: true, params: idParams, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const { id } = req.params as { id: number };
        const { product, levels } = await productStock(db, access.merchantId, id);
        const body = req.body as V;
        const rows: { sku: string; location_code: string; on_hand: number }[] = [];
        const errors: FieldErrors = {};
        for (const l of levels) {
          const raw = body[`on_hand_${l.id}`];
          if (raw === undefined || raw === '') continue;
          const n = Number(raw);
          if (!Number.isInteger(n) || n < 0 || n > 1_000_000)
            errors[`on_hand_${l.id}`] = t(lang, 'backoffice.qty_invalid');
          else if (n < l.reserved)
            errors[`on_hand_${l.id}`] = t(lang, 'backoffice.qty_below_reserved', { reserved: l.reserved });
          else if (n !== l.on_hand) rows.push({ sku: product.sku, location_code: l.code, on_hand: n });
        }
        if (!Object.keys(errors).length && rows.length) {
          try {
            // The inventory module writes the levels and publishes the `stock` events (SSE, webhooks).
            await syncInventory(db, ctx.events, access.merchantId, rows);
          } catch (e) {
            if (!(e instanceof RowErrors)) throw e;
            for (const re of e.errors) {
              const l = levels.find((x) => x.code === re.location_code);
              errors[l ? `on_hand_${l.id}` : '_'] = t(lang, re.key, re.params);
            }
          }
        }
        if (Object.keys(errors).length) return productForm(req, reply, access, id, values(product), errors);
        return reply.redirect(`${bo(lang, 'products', `/${id}`)}?done=stock`, 303);
      },
    );
  }
}
