/** zod schemas and limits of cart input. */
import { formInteger, jsonInteger } from '../common/validation.ts';

export const MAX_LINE_QUANTITY = 999;
export const MAX_CART_LINES = 100;

/** A line quantity in JSON: an integer number only (`true`, `[1]`, `"0x10"` are refused, not coerced). */
export const quantityJson = jsonInteger
  .min(1, 'cart.quantity_range')
  .max(MAX_LINE_QUANTITY, 'cart.quantity_range');
/** A line quantity from a form: decimal digits (or a JSON number from the page script); range checked by the cart. */
export const quantityForm = formInteger;
