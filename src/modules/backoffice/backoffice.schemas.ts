/** Zod schemas of the merchant back-office's forms (profile, stores, products, stock). */
import { z } from 'zod';
import type { QuebecLabel, TaxClass } from '../../db/schema.ts';
import { ValidationError } from '../../lib/errors.ts';
import { QUEBEC_LABELS, TAX_CLASSES } from '../catalog/index.ts';
import { httpUrl, humanText, zodIssues } from '../common/validation.ts';
import {
  gstNumberSchema,
  latSchema,
  lngSchema,
  qstNumberSchema,
  taxStatusSchema,
} from '../merchants/index.ts';

const blankToUndef = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalOf = <T extends z.ZodType>(s: T) => z.preprocess(blankToUndef, s.optional());
const text = (max: number) => z.preprocess((v) => v ?? '', z.string().trim().max(max));
const flag = z.preprocess((v) => v === '1' || v === 'on' || v === true || v === 1, z.boolean());

/** Parses with a schema; its issues become a ValidationError (field errors on the form). */
export function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ValidationError(zodIssues(r.error));
  return r.data;
}

/** The merchant's profile form. */
export const profileInput = z.object({
  display_name: humanText({ min: 2, max: 120 }),
  legal_name: humanText({ min: 2, max: 200 }),
  description_fr: text(4000),
  description_en: text(4000),
  email: optionalOf(z.string().trim().email().max(254)),
  phone: optionalOf(z.string().trim().max(40)),
  website: optionalOf(httpUrl({ max: 300 })),
  gst_number: optionalOf(gstNumberSchema),
  qst_number: optionalOf(qstNumberSchema),
  /** Absent = unchanged (older forms and clients); decision record 0005. */
  tax_status: optionalOf(taxStatusSchema),
});

/** "HH:MM", 00:00 to 23:59. */
export const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'backoffice.time_invalid');

/** A store's form (hours and pickup slots are read separately: see locations.service.ts). */
export const locationInput = z.object({
  name: z.string().trim().min(1).max(120),
  address_line: z.string().trim().min(3).max(300),
  municipality: z.string().trim().min(1).max(120),
  postal_code: optionalOf(z.string().trim().max(10)),
  phone: optionalOf(z.string().trim().max(40)),
  lat: latSchema,
  lng: lngSchema,
  pickup: flag,
  delivery_radius_km: z.coerce.number().min(0).max(200),
  delivery_fee_cents: z.coerce.number().int().min(0).max(100_000),
});

/** Filters of the product list and the inventory grid (bad values fall back to defaults). */
export const productFilters = z.object({
  q: z.string().trim().max(100).default(''),
  status: z.enum(['active', 'archived', 'all']).default('active'),
  category: z.coerce.number().int().positive().optional().catch(undefined),
  stock: z.enum(['all', 'low', 'out']).default('all').catch('all'),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type ProductFilters = z.infer<typeof productFilters>;

const priceCents = z.preprocess(
  (v) => {
    if (typeof v !== 'string' || !v.trim()) return undefined;
    const s = v.trim().replace(/\s|\$/g, '').replace(',', '.');
    return /^\d+(\.\d{1,2})?$/.test(s) ? Math.round(Number(s) * 100) : Number.NaN;
  },
  z.number({ message: 'backoffice.price_invalid' }).int().min(0).max(10_000_000),
);

/** The product form (price typed in dollars, kept in cents). */
export const productInput = z.object({
  sku: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\w.\-/]+$/, 'backoffice.sku_invalid'),
  title_fr: humanText({ max: 200, tooShort: 'field.required' }),
  title_en: z.preprocess((v) => v ?? '', humanText({ min: 0, max: 200 })),
  description_fr: text(5000),
  description_en: text(5000),
  category_id: optionalOf(z.coerce.number().int().positive()),
  brand: optionalOf(z.string().trim().max(100)),
  gtin: optionalOf(
    z
      .string()
      .trim()
      .regex(/^\d{8,14}$/, 'backoffice.gtin_invalid'),
  ),
  price: priceCents,
  tax_class: z.enum(TAX_CLASSES as unknown as [TaxClass, ...TaxClass[]]).default('standard'),
  quebec_label: optionalOf(z.enum(QUEBEC_LABELS as unknown as [QuebecLabel, ...QuebecLabel[]])),
  status: z.enum(['active', 'archived']).default('active'),
});

/** An on-hand count typed in a stock cell: a whole number from 0 to 1,000,000. */
export const onHandQuantity = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v === '' ? Number.NaN : v),
  z
    .number({ message: 'backoffice.qty_invalid' })
    .int('backoffice.qty_invalid')
    .min(0, 'backoffice.qty_invalid')
    .max(1_000_000, 'backoffice.qty_invalid'),
);

/** One stock cell posted by a form: a product at a store, and what was typed. */
export interface StockCell {
  productId: number;
  locationId: number;
  /** The form field's name (errors are shown next to it). */
  field: string;
  value: unknown;
}

/** At most this many cells in one inventory grid post. */
export const MAX_STOCK_CELLS = 5000;

/**
 * The inventory grid's form: fields `q_<product>_<location>` (on-hand counts, checked per cell
 * with `onHandQuantity` so each error shows next to its cell) and the CSRF token.
 */
export const stockGridForm = z.object({ _csrf: z.string().optional() }).catchall(z.string());
export type StockGridForm = z.infer<typeof stockGridForm>;

/** The cells of an inventory grid post; more than MAX_STOCK_CELLS is refused. */
export function stockGridCells(form: StockGridForm): StockCell[] {
  const cells = Object.entries(form).flatMap(([field, value]) => {
    const m = /^q_(\d+)_(\d+)$/.exec(field);
    return m ? [{ productId: Number(m[1]), locationId: Number(m[2]), field, value }] : [];
  });
  if (cells.length > MAX_STOCK_CELLS)
    throw new ValidationError([
      { field: '_', message: 'field.too_big', params: { maximum: MAX_STOCK_CELLS } },
    ]);
  return cells;
}

/** The product page's stock form: fields `on_hand_<location>` (blank: unchanged) and the CSRF token. */
export const productStockForm = z.object({ _csrf: z.string().optional() }).catchall(z.string());
export type ProductStockForm = z.infer<typeof productStockForm>;

/** The product form, as posted (checked field by field by `productInput` in saveProduct). */
export const productForm = z.object({
  _csrf: z.string().optional(),
  sku: z.string().optional(),
  title_fr: z.string().optional(),
  title_en: z.string().optional(),
  description_fr: z.string().optional(),
  description_en: z.string().optional(),
  price: z.string().optional(),
  category_id: z.string().optional(),
  brand: z.string().optional(),
  gtin: z.string().optional(),
  tax_class: z.string().optional(),
  quebec_label: z.string().optional(),
  status: z.string().optional(),
});
export type ProductForm = z.infer<typeof productForm>;

/** A form with nothing but the CSRF token (delete buttons). */
export const csrfOnlyForm = z.object({ _csrf: z.string().optional() });
