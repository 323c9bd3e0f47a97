/**
 * The merchant's own profile and stores, as the back-office edits them: the forms are checked
 * here, the merchants module (owner of `merchants` and `locations`) reads and writes them.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import { type OpeningHours, parseClosures, parseHours } from '../common/hours.ts';
import { zodIssues } from '../common/validation.ts';
import {
  addLocation,
  findMerchantLocation,
  getMerchant,
  locationsOfMerchant,
  updateLocation,
  updateMerchantProfile,
} from '../merchants/index.ts';
import { locationInput, parse, profileInput } from './backoffice.schemas.ts';
import { type HoursFormValue, hoursForm } from './hours.schemas.ts';

/* ---------------------------------------------------------------- profile */

/** The merchant's profile fields (404 for an unknown merchant). */
export async function getProfile(db: Kysely<DB>, merchantId: number) {
  const m = await getMerchant(db, merchantId);
  return {
    id: m.id,
    slug: m.slug,
    status: m.status,
    display_name: m.display_name,
    legal_name: m.legal_name,
    neq: m.neq,
    description_fr: m.description_fr,
    description_en: m.description_en,
    email: m.email,
    phone: m.phone,
    website: m.website,
    gst_number: m.gst_number,
    qst_number: m.qst_number,
    tax_status: m.tax_status,
  };
}

/** Checks and saves the profile form; a registered merchant must give both tax numbers. */
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
  await updateMerchantProfile(db, merchantId, {
    ...(v.tax_status ? { tax_status: v.tax_status } : {}),
    display_name: v.display_name,
    legal_name: v.legal_name,
    description_fr: v.description_fr,
    description_en: v.description_en,
    email: v.email ?? null,
    phone: v.phone ?? null,
    website: v.website ?? null,
    gst_number: v.gst_number ?? null,
    qst_number: v.qst_number ?? null,
  });
}

/* ---------------------------------------------------------------- stores */

/**
 * The opening-hours editor's fields (several ranges per day, exceptional closures; see
 * hours.schemas.ts) checked: field errors otherwise.
 */
export function hoursAndClosuresFromForm(raw: Record<string, unknown>): HoursFormValue {
  const r = hoursForm.safeParse(raw);
  if (!r.success) throw new ValidationError(zodIssues(r.error));
  return r.data;
}

/** The hours of the store form (`open_mon`/`close_mon`, `open2_mon`, ...; blank = closed), checked. */
export function hoursFromForm(raw: Record<string, unknown>): OpeningHours {
  return hoursAndClosuresFromForm(raw).hours;
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

/** The merchant's stores, oldest first, with parsed `hours` and `closures`. */
export async function listLocations(db: Kysely<DB>, merchantId: number) {
  const rows = await locationsOfMerchant(db, merchantId);
  return rows.map((r) => ({
    ...r,
    hours: parseHours(r.hours_json),
    closures: parseClosures(r.closures_json),
  }));
}

/** One of the merchant's stores with parsed `hours` (404 for another merchant's). */
export async function getLocation(db: Kysely<DB>, merchantId: number, id: number) {
  const r = await findMerchantLocation(db, merchantId, id);
  if (!r) throw notFound('location');
  return { ...r, hours: parseHours(r.hours_json), closures: parseClosures(r.closures_json) };
}

/** Checks the store form (fields, hours, pickup slots) and creates or updates the store; returns its id. */
export async function saveLocation(
  db: Kysely<DB>,
  merchantId: number,
  id: number | undefined,
  raw: Record<string, unknown>,
): Promise<number> {
  let hours: OpeningHours = {};
  let closures: HoursFormValue['closures'];
  const issues = [];
  try {
    ({ hours, closures } = hoursAndClosuresFromForm(raw));
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
    // No closure rows on the form (an older form): the stored closures stay.
    ...(closures ? { closures_json: closures.length ? JSON.stringify(closures) : null } : {}),
    ...slotValues,
    updated_at: new Date().toISOString(),
  };
  if (id !== undefined) {
    await updateLocation(db, merchantId, id, values);
    return id;
  }
  return addLocation(db, merchantId, values);
}
