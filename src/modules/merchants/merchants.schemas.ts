import { z } from 'zod';
import { httpUrl, humanText } from '../common/validation.ts';

/** NEQ: 10 digits, the first two give the legal form (11, 22, 33, 88 per the Registraire des entreprises). */
export const neqSchema = z
  .string()
  .trim()
  .regex(/^(11|22|33|88)\d{8}$/, 'merchant.neq_invalid');

/** Registration numbers are written with or without spaces ("123456789 RT 0001"): stored without. */
const compact = (v: string) => v.replace(/[\s\u00a0-]+/g, '');

/** GST/HST number: 9-digit business number + RT + 4-digit account, e.g. 123456789RT0001. */
export const gstNumberSchema = z
  .string()
  .trim()
  .toUpperCase()
  .overwrite(compact)
  .regex(/^\d{9}RT\d{4}$/, 'merchant.gst_invalid');

/** QST number: 10 digits + TQ + 4 digits, e.g. 1234567890TQ0001. */
export const qstNumberSchema = z
  .string()
  .trim()
  .toUpperCase()
  .overwrite(compact)
  .regex(/^\d{10}TQ\d{4}$/, 'merchant.qst_invalid');

/** A merchant's sales-tax declaration (migration 008). */
export const taxStatusSchema = z.enum(['registered', 'small_supplier'], {
  error: 'small_supplier.tax_status_invalid',
});

export const latSchema = z.coerce.number().min(-90, 'geo.lat_range').max(90, 'geo.lat_range');
export const lngSchema = z.coerce.number().min(-180, 'geo.lng_range').max(180, 'geo.lng_range');

export const hoursSchema = z.partialRecord(
  z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
  z.array(z.tuple([z.string().regex(/^\d\d:\d\d$/), z.string().regex(/^\d\d:\d\d$/)])),
);

export const createMerchantInput = z.object({
  name: humanText({ min: 2, max: 120 }),
  legalName: humanText({ min: 2, max: 200 }).optional(),
  neq: neqSchema.optional(),
  gstNumber: gstNumberSchema.optional(),
  qstNumber: qstNumberSchema.optional(),
  /** Default: registered (the numbers may follow later). */
  taxStatus: taxStatusSchema.optional(),
  email: z.string().trim().email().optional(),
  phone: z.string().trim().max(40).optional(),
  website: httpUrl({ max: 300 }).optional(),
  descriptionFr: z.string().max(4000).optional(),
  descriptionEn: z.string().max(4000).optional(),
  status: z.enum(['pending', 'approved', 'suspended']).default('approved'),
  associations: z.array(z.string()).default([]),
  categories: z.array(z.string()).default([]),
  location: z.object({
    name: z.string().trim().min(1).max(120).optional(),
    code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .optional(),
    address: z.string().trim().min(3).max(300),
    municipality: z.string().trim().min(1).max(120).optional(),
    postalCode: z.string().trim().max(10).optional(),
    lat: latSchema,
    lng: lngSchema,
    hours: hoursSchema.optional(),
    pickup: z.boolean().default(true),
    deliveryRadiusKm: z.number().min(0).max(200).default(0),
    deliveryFeeCents: z.number().int().min(0).max(100000).default(0),
  }),
});
export type CreateMerchantInput = z.input<typeof createMerchantInput>;
