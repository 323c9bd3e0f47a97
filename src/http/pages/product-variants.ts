/**
 * The product page's variants (size, colour...): the add-to-cart form with a variant chooser
 * (a select, posted as `variant_id`) and each variant's live stock at a store. Works without
 * JavaScript; static/js/app.js keeps the choosers of the page in step.
 */

import type { Lang } from '../../i18n/index.ts';
import { formatMoney, labelColon, t } from '../../i18n/index.ts';
import { StockBadge } from './components/ui.ts';
import { html } from './html.ts';

/** A variant as the page shows it (search's product variants). */
export interface PageVariant {
  variant_id: number;
  sku: string;
  options: { name: string; value: string }[];
  price_cents: number;
  offers: { location_id: number; available: number }[];
}

/** "Taille : M, Couleur : Rouge" (the SKU when a variant has no options). */
export function variantLabel(lang: Lang, v: PageVariant): string {
  if (v.options.length === 0) return v.sku;
  return v.options.map((o) => `${labelColon(lang, o.name)} ${o.value}`).join(', ');
}

const availableAt = (v: PageVariant, locationId: number) =>
  v.offers.find((o) => o.location_id === locationId)?.available ?? 0;

/** "Add to cart" at a store with the variant to add: in-stock variants there, the first one chosen. */
export function VariantCartForm(
  lang: Lang,
  productId: number,
  locationId: number,
  csrf: string,
  variants: PageVariant[],
) {
  const inStock = variants.filter((v) => availableAt(v, locationId) > 0);
  if (inStock.length === 0) return null;
  return html`<form method="post" action=${`/${lang}/panier/ajouter`} class="add-to-cart variant-form">
    <input type="hidden" name="_csrf" value=${csrf} />
    <input type="hidden" name="product_id" value=${productId} />
    <input type="hidden" name="location_id" value=${locationId} />
    <label for=${`variant-${locationId}`}>${t(lang, 'variants.choose')}</label>
    <select id=${`variant-${locationId}`} name="variant_id" data-variant-chooser="">
      ${inStock.map(
        (v) =>
          html`<option value=${v.variant_id}>${variantLabel(lang, v)} — ${formatMoney(v.price_cents, lang)}</option>`,
      )}
    </select>
    <label for=${`qty-${locationId}`}>${t(lang, 'cart.quantity')}</label>
    <input id=${`qty-${locationId}`} name="quantity" type="number" min="1" max="999" value="1" inputmode="numeric" />
    <button type="submit">${t(lang, 'cart.add')}</button>
  </form>`;
}

/**
 * Each variant's price and live stock at each store: a table (variants by stores) whose badges
 * follow the variants' own `stock` events. Kept out of the store offers so that one variant
 * running out does not disable a store's "add to cart" for the others.
 */
export function VariantStockTable(
  lang: Lang,
  stores: { location_id: number; name: string }[],
  variants: PageVariant[],
) {
  return html`<table class="variant-stock">
    <caption>${t(lang, 'variants.stock_title')}</caption>
    <thead>
      <tr>
        <th scope="col">${t(lang, 'variants.choose')}</th>
        ${stores.map((s) => html`<th scope="col">${s.name}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${variants.map(
        (v) => html`<tr data-variant=${v.variant_id}>
          <th scope="row">${variantLabel(lang, v)} — ${formatMoney(v.price_cents, lang)}</th>
          ${stores.map(
            (s) =>
              html`<td>${StockBadge(lang, availableAt(v, s.location_id), {
                'data-stock-product': v.variant_id,
                'data-stock-location': s.location_id,
              })}</td>`,
          )}
        </tr>`,
      )}
    </tbody>
  </table>`;
}
