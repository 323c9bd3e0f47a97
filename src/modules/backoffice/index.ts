/**
 * Merchant back-office data: every function takes the session's merchant id and filters by
 * it, so another merchant's ids are simply not found (404).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, QuebecLabel, TaxClass } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { parseImages, QUEBEC_LABELS, TAX_CLASSES } from '../catalog/index.ts';
import { type OpeningHours, parseHours, WEEK_DAYS } from '../common/hours.ts';
import { httpUrl, humanText, zodIssues } from '../common/validation.ts';
import { LOW_STOCK_THRESHOLD } from '../inventory/index.ts';
import {
  gstNumberSchema,
  latSchema,
  lngSchema,
  qstNumberSchema,
  taxStatusSchema,
} from '../merchants/index.ts';

export { processProductImage, removeProductImages } from './images.ts';
export {
  acceptInvitation,
  cancelInvitation,
  inviteStaff,
  listStaff,
  readInvitation,
  removeStaff,
} from './staff.ts';

const blankToUndef = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalOf = <T extends z.ZodType>(s: T) => z.preprocess(blankToUndef, s.optional());
const text = (max: number) => z.preprocess((v) => v ?? '', z.string().trim().max(max));
const flag = z.preprocess((v) => v === '1' || v === 'on' || v === true || v === 1, z.boolean());

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new ValidationError(zodIssues(r.error));
  return r.data;
}

/* ---------------------------------------------------------------- dashboard */

export interface Dashboard {
  status: string;
  ordersToday: number;
  productCount: number;
  lowStock: {
    product_id: number;
    sku: string;
    title_fr: string;
    title_en: string;
    location: string;
    available: number;
  }[];
}

/** Midnight today in the region's time zone, as a UTC ISO string. */
export function startOfLocalDay(now: Date, timeZone: string): string {
  const local = new Date(now.toLocaleString('en-US', { timeZone }));
  const offset = now.getTime() - local.getTime();
  local.setHours(0, 0, 0, 0);
  return new Date(local.getTime() + offset).toISOString();
}

export async function dashboard(db: Kysely<DB>, merchantId: number, timeZone: string): Promise<Dashboard> {
  const m = await db.selectFrom('merchants').select('status').where('id', '=', merchantId).executeTakeFirst();
  if (!m) throw notFound('merchant');
  let ordersToday = 0;
  try {
    // The orders table belongs to the buying module; before it exists, the count is 0.
    const r = await db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('merchant_id', '=', merchantId)
      .where('created_at', '>=', startOfLocalDay(new Date(), timeZone))
      .executeTakeFirst();
    ordersToday = Number(r?.n ?? 0);
  } catch {
    ordersToday = 0;
  }
  const count = await db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  const low = await db
    .selectFrom('inventory_levels as i')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .innerJoin('locations as l', 'l.id', 'i.location_id')
    .select(['p.id as product_id', 'p.sku', 'p.title_fr', 'p.title_en', 'l.name as location'])
    .select((eb) => eb('i.on_hand', '-', eb.ref('i.reserved')).as('available'))
    .where('p.merchant_id', '=', merchantId)
    .where('l.merchant_id', '=', merchantId)
    .where('p.status', '=', 'active')
    .where((eb) => eb(eb('i.on_hand', '-', eb.ref('i.reserved')), '<=', LOW_STOCK_THRESHOLD))
    .orderBy('available')
    .orderBy('p.sku')
    .limit(20)
    .execute();
  return {
    status: m.status,
    ordersToday,
    productCount: Number(count.n),
    lowStock: low.map((r) => ({ ...r, available: Number(r.available) })),
  };
}

/* ---------------------------------------------------------------- profile */

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

export async function getProfile(db: Kysely<DB>, merchantId: number) {
  const m = await db
    .selectFrom('merchants')
    .select([
      'id',
      'slug',
      'status',
      'display_name',
      'legal_name',
      'neq',
      'description_fr',
      'description_en',
      'email',
      'phone',
      'website',
      'gst_number',
      'qst_number',
      'tax_status',
    ])
    .where('id', '=', merchantId)
    .executeTakeFirst();
  if (!m) throw notFound('merchant');
  return m;
}

export async function updateProfile(db: Kysely<DB>, merchantId: number, raw: unknown): Promise<void> {
  const v = parse(profileInput, raw);
  // A registered merchant's receipts carry both numbers; a small supplier has none.
  if (v.tax_status === 'registered') {
    const missing = (['gst_number', 'qst_number'] as const).filter((k) => !v[k]);
    if (missing.length)
      throw new ValidationError(
        missing.map((field) => ({ field, message: 'small_supplier.numbers_required' })),
      );
  }
  const small = v.tax_status === 'small_supplier';
  await db
    .updateTable('merchants')
    .set({
      ...(v.tax_status ? { tax_status: v.tax_status } : {}),
      display_name: v.display_name,
      legal_name: v.legal_name,
      description_fr: v.description_fr,
      description_en: v.description_en,
      email: v.email ?? null,
      phone: v.phone ?? null,
      website: v.website ?? null,
      gst_number: small ? null : (v.gst_number ?? null),
      qst_number: small ? null : (v.qst_number ?? null),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', merchantId)
    .execute();
}

/* ---------------------------------------------------------------- locations */

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'backoffice.time_invalid');
const locationInput = z.object({
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

/** Form fields `open_mon`/`close_mon` (blank = closed) to the hours JSON; checks open < close. */
export function hoursFromForm(raw: Record<string, unknown>): OpeningHours {
  const out: OpeningHours = {};
  const issues = [];
  for (const d of WEEK_DAYS) {
    const o = String(raw[`open_${d}`] ?? '').trim();
    const c = String(raw[`close_${d}`] ?? '').trim();
    if (!o && !c) continue;
    if (!time.safeParse(o).success || !time.safeParse(c).success || o >= c) {
      issues.push({ field: `open_${d}`, message: 'backoffice.hours_invalid' });
      continue;
    }
    out[d] = [[o, c]];
    // Split hours (e.g. closed over lunch): an optional second range after the first.
    const o2 = String(raw[`open2_${d}`] ?? '').trim();
    const c2 = String(raw[`close2_${d}`] ?? '').trim();
    if (!o2 && !c2) continue;
    if (!time.safeParse(o2).success || !time.safeParse(c2).success || o2 >= c2 || o2 < c) {
      issues.push({ field: `open2_${d}`, message: 'pickup.hours_second_range' });
      continue;
    }
    out[d]?.push([o2, c2]);
  }
  if (issues.length) throw new ValidationError(issues);
  return out;
}

/** Pickup slot lengths a store can choose (minutes). */
export const PICKUP_SLOT_LENGTHS = [10, 15, 20, 30, 45, 60, 90, 120] as const;

/**
 * The pickup slot settings of the store form (length, days offered; migration 031); absent
 * fields (an older form) leave the stored values unchanged.
 */
function pickupSlotValues(raw: Record<string, unknown>, issues: { field: string; message: string }[]) {
  const out: { pickup_slot_minutes?: number; pickup_days_ahead?: number } = {};
  if (raw.pickup_slot_minutes !== undefined && raw.pickup_slot_minutes !== '') {
    const n = Number(raw.pickup_slot_minutes);
    if ((PICKUP_SLOT_LENGTHS as readonly number[]).includes(n)) out.pickup_slot_minutes = n;
    else issues.push({ field: 'pickup_slot_minutes', message: 'pickup.slot_length_invalid' });
  }
  if (raw.pickup_days_ahead !== undefined && raw.pickup_days_ahead !== '') {
    const n = Number(raw.pickup_days_ahead);
    if (Number.isInteger(n) && n >= 1 && n <= 30) out.pickup_days_ahead = n;
    else issues.push({ field: 'pickup_days_ahead', message: 'pickup.days_ahead_invalid' });
  }
  return out;
}

export async function listLocations(db: Kysely<DB>, merchantId: number) {
  const rows = await db
    .selectFrom('locations')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, hours: parseHours(r.hours_json) }));
}

export async function getLocation(db: Kysely<DB>, merchantId: number, id: number) {
  const r = await db
    .selectFrom('locations')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!r) throw notFound('location');
  return { ...r, hours: parseHours(r.hours_json) };
}

export async function saveLocation(
  db: Kysely<DB>,
  merchantId: number,
  id: number | undefined,
  raw: Record<string, unknown>,
): Promise<number> {
  let hours: OpeningHours = {};
  const issues = [];
  try {
    hours = hoursFromForm(raw);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    issues.push(...e.issues);
  }
  const r = locationInput.safeParse({
    ...raw,
    // Money is typed in dollars on the form and kept in cents.
    delivery_fee_cents:
      raw.delivery_fee === undefined || raw.delivery_fee === ''
        ? 0
        : Math.round(Number(String(raw.delivery_fee).replace(',', '.')) * 100),
  });
  if (!r.success) issues.push(...zodIssues(r.error));
  const slotValues = pickupSlotValues(raw, issues);
  if (issues.length || !r.success) throw new ValidationError(issues);
  const v = r.data;
  const values = {
    name: v.name,
    address_line: v.address_line,
    municipality: v.municipality,
    postal_code: v.postal_code ?? null,
    phone: v.phone ?? null,
    lat: v.lat,
    lng: v.lng,
    pickup: v.pickup ? 1 : 0,
    delivery_radius_km: v.delivery_radius_km,
    delivery_fee_cents: v.delivery_fee_cents,
    hours_json: JSON.stringify(hours),
    ...slotValues,
    updated_at: new Date().toISOString(),
  };
  if (id !== undefined) {
    await getLocation(db, merchantId, id);
    await db
      .updateTable('locations')
      .set(values)
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .execute();
    return id;
  }
  const n = await db
    .selectFrom('locations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('locations')
    .values({
      merchant_id: merchantId,
      code: `magasin-${Number(n.n) + 1}-${Date.now().toString(36)}`,
      ...values,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/* ---------------------------------------------------------------- products */

export const PRODUCTS_PER_PAGE = 25;

export const productFilters = z.object({
  q: z.string().trim().max(100).default(''),
  status: z.enum(['active', 'archived', 'all']).default('active'),
  category: z.coerce.number().int().positive().optional().catch(undefined),
  stock: z.enum(['all', 'low', 'out']).default('all').catch('all'),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type ProductFilters = z.infer<typeof productFilters>;

export async function listProducts(db: Kysely<DB>, merchantId: number, f: ProductFilters) {
  let q = db
    .selectFrom('products as p')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('inventory_levels')
          .select('product_id')
          .select((e) => e.fn.sum<number>(e('on_hand', '-', e.ref('reserved'))).as('available'))
          .groupBy('product_id')
          .as('s'),
      (j) => j.onRef('s.product_id', '=', 'p.id'),
    )
    .where('p.merchant_id', '=', merchantId);
  if (f.status !== 'all') q = q.where('p.status', '=', f.status);
  if (f.category) q = q.where('p.category_id', '=', f.category);
  if (f.q) {
    // No LIKE escaping (SQLite has no default escape character): % and _ only widen the match.
    const like = `%${f.q.toLowerCase().replace(/\\/g, '')}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['p.sku']), 'like', like),
        eb(eb.fn('lower', ['p.title_fr']), 'like', like),
        eb(eb.fn('lower', ['p.title_en']), 'like', like),
        eb('p.gtin', '=', f.q),
      ]),
    );
  }
  if (f.stock === 'out') q = q.where((eb) => eb(eb.fn.coalesce('s.available', eb.lit(0)), '<=', 0));
  if (f.stock === 'low')
    q = q.where((eb) => eb(eb.fn.coalesce('s.available', eb.lit(0)), '<=', LOW_STOCK_THRESHOLD));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      'p.id',
      'p.sku',
      'p.title_fr',
      'p.title_en',
      'p.price_cents',
      'p.status',
      'p.quebec_label',
      'p.images_json',
    ])
    .select((eb) => eb.fn.coalesce('s.available', eb.lit(0)).as('available'))
    .orderBy('p.title_fr')
    .orderBy('p.id')
    .limit(PRODUCTS_PER_PAGE)
    .offset((f.page - 1) * PRODUCTS_PER_PAGE)
    .execute();
  return {
    total: Number(total.n),
    rows: rows.map((r) => ({ ...r, available: Number(r.available), images: parseImages(r.images_json) })),
  };
}

const priceCents = z.preprocess(
  (v) => {
    if (typeof v !== 'string' || !v.trim()) return undefined;
    const s = v.trim().replace(/\s|\$/g, '').replace(',', '.');
    return /^\d+(\.\d{1,2})?$/.test(s) ? Math.round(Number(s) * 100) : Number.NaN;
  },
  z.number({ message: 'backoffice.price_invalid' }).int().min(0).max(10_000_000),
);

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

export async function getProduct(db: Kysely<DB>, merchantId: number, id: number) {
  const p = await db
    .selectFrom('products')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!p) throw notFound('product');
  return { ...p, images: parseImages(p.images_json) };
}

/** Creates or updates a product; a Québec label set here is a claim declared by the merchant (unverified). */
export async function saveProduct(
  db: Kysely<DB>,
  merchantId: number,
  id: number | undefined,
  raw: unknown,
): Promise<number> {
  const r = productInput.safeParse(raw);
  const skuRaw =
    typeof (raw as Record<string, unknown>)?.sku === 'string'
      ? (raw as Record<string, string>).sku.trim()
      : '';
  if (!r.success) {
    const issues = zodIssues(r.error);
    if (skuRaw && !issues.some((i) => i.field === 'sku')) {
      const d = await db
        .selectFrom('products')
        .select('id')
        .where('merchant_id', '=', merchantId)
        .where('sku', '=', skuRaw)
        .executeTakeFirst();
      if (d && d.id !== id) issues.unshift({ field: 'sku', message: 'backoffice.sku_taken' });
    }
    throw new ValidationError(issues);
  }
  const v = r.data;
  if (v.category_id) {
    const c = await db
      .selectFrom('categories')
      .select('id')
      .where('id', '=', v.category_id)
      .executeTakeFirst();
    if (!c) throw new ValidationError([{ field: 'category_id', message: 'field.invalid' }]);
  }
  const dup = await db
    .selectFrom('products')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('sku', '=', v.sku)
    .executeTakeFirst();
  if (dup && dup.id !== id) throw new ValidationError([{ field: 'sku', message: 'backoffice.sku_taken' }]);
  const now = new Date().toISOString();
  const values = {
    sku: v.sku,
    title_fr: v.title_fr,
    title_en: v.title_en,
    description_fr: v.description_fr,
    description_en: v.description_en,
    category_id: v.category_id ?? null,
    brand: v.brand ?? null,
    gtin: v.gtin ?? null,
    price_cents: v.price,
    tax_class: v.tax_class,
    status: v.status,
    updated_at: now,
  };
  if (id !== undefined) {
    const cur = await getProduct(db, merchantId, id);
    const labelChanged = (v.quebec_label ?? null) !== cur.quebec_label;
    await db
      .updateTable('products')
      .set({
        ...values,
        ...(labelChanged
          ? {
              quebec_label: v.quebec_label ?? null,
              quebec_label_declared_by: v.quebec_label ? 'merchant' : null,
              quebec_label_verified: 0,
              quebec_label_verified_at: null,
            }
          : {}),
      })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .execute();
    return id;
  }
  const row = await db
    .insertInto('products')
    .values({
      merchant_id: merchantId,
      ...values,
      quebec_label: v.quebec_label ?? null,
      quebec_label_declared_by: v.quebec_label ? 'merchant' : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function setProductImages(db: Kysely<DB>, merchantId: number, id: number, images: unknown[]) {
  await getProduct(db, merchantId, id);
  await db
    .updateTable('products')
    .set({ images_json: JSON.stringify(images), updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .execute();
}

/* ---------------------------------------------------------------- inventory */

/** Stock of one product at each of the merchant's locations (0 where no row exists yet). */
export async function productStock(db: Kysely<DB>, merchantId: number, productId: number) {
  const p = await getProduct(db, merchantId, productId);
  const locs = await db
    .selectFrom('locations as l')
    .leftJoin('inventory_levels as i', (j) =>
      j.onRef('i.location_id', '=', 'l.id').on('i.product_id', '=', productId),
    )
    .select(['l.id', 'l.code', 'l.name'])
    .select((eb) => [
      eb.fn.coalesce('i.on_hand', eb.lit(0)).as('on_hand'),
      eb.fn.coalesce('i.reserved', eb.lit(0)).as('reserved'),
    ])
    .where('l.merchant_id', '=', merchantId)
    .orderBy('l.id')
    .execute();
  return {
    product: p,
    levels: locs.map((l) => ({ ...l, on_hand: Number(l.on_hand), reserved: Number(l.reserved) })),
  };
}

export const ensureFound = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw notFound(what);
  return v;
};

export const forbidden = () => new AppError('forbidden');
