/**
 * Which variant a cart line is (issue 13): a cart line, its stock, its reservation and its order line
 * are one `products` row (the variant); the shopper names the product and, when it has several
 * variants, the variant. A product without variants is its own single variant: nothing changes.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { optionsObject, productIdsOfVariants, variantsOfProducts } from '../catalog/index.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * The variant row to add for `{product_id, variant_id?}`:
 * - `variant_id` given: it must be a variant of the product (the product row itself included),
 *   otherwise 400 at `variant_id`;
 * - no `variant_id`: the product's only active variant; with several, 400 `variant_required`
 *   (details list them); an unknown product is 400 at `product_id`, as before;
 * - an older client sending a variant's own id as `product_id` (no `variant_id`) gets that variant.
 * Status (active, approved merchant, stock) is checked afterwards by the offer, as for any product.
 */
export async function chooseVariant(
  db: Db,
  input: { product_id: number; variant_id?: number },
): Promise<number> {
  const ids = input.variant_id === undefined ? [input.product_id] : [input.product_id, input.variant_id];
  const productOf = await productIdsOfVariants(db, ids);
  const productId = productOf.get(input.product_id);
  if (productId === undefined)
    throw new ValidationError([{ field: 'product_id', message: 'cart.product_unknown' }]);
  if (input.variant_id !== undefined) {
    if (productOf.get(input.variant_id) !== productId)
      throw new ValidationError([{ field: 'variant_id', message: 'cart.variant_unknown' }]);
    return input.variant_id;
  }
  // A variant's own id (what carts and clients held before variants existed): that variant.
  if (productId !== input.product_id) return input.product_id;
  const variants = (await variantsOfProducts(db, [productId])).get(productId) ?? [];
  // An archived product (its row first): refused by the offer like any product no longer sold.
  if (variants[0]?.status !== 'active') return productId;
  const active = variants.filter((v) => v.status === 'active');
  if (active.length > 1)
    throw new AppError('variant_required', 'cart.variant_required', {
      details: {
        field: 'variant_id',
        variants: active.map((v) => ({
          variant_id: v.variant_id,
          sku: v.sku,
          options: optionsObject(v.options),
        })),
      },
    });
  // One active variant (the others archived): that one.
  return active[0]?.variant_id ?? productId;
}

/** A line's title with its options, as order lines, receipts and pages show it: "T-shirt — M / Rouge". */
export function lineTitle(line: { title: string; options: Record<string, string> }): string {
  const label = Object.values(line.options).join(' / ');
  return label ? `${line.title} — ${label}` : line.title;
}
