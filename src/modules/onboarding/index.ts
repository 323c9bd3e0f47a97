import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, MerchantStatus } from '../../db/schema.ts';
import { t } from '../../i18n/index.ts';
import { AppError, type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import { emailSchema, hashPassword, passwordProblem } from '../accounts/index.ts';
import { slugify } from '../common/slug.ts';
import { httpUrl, humanText, zodIssues } from '../common/validation.ts';
import type { Mailer } from '../mail/index.ts';
import {
  gstNumberSchema,
  latSchema,
  lngSchema,
  neqSchema,
  qstNumberSchema,
  taxStatusSchema,
} from '../merchants/index.ts';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));
const optional = <T extends z.ZodType>(s: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), s.optional());

/** Form of a merchant signing up (the owner account and the business in one step). */
export const merchantSignupInput = z.object({
  businessName: humanText({ min: 2, max: 120 }),
  legalName: optionalText(200),
  neq: neqSchema,
  gstNumber: optional(gstNumberSchema),
  qstNumber: optional(qstNumberSchema),
  /** Optional: registered by default; a small supplier keeps no numbers (decision record 0005). */
  taxStatus: optional(taxStatusSchema),
  phone: optionalText(40),
  website: optional(httpUrl({ max: 300 })),
  address: z.string().trim().min(3).max(300),
  postalCode: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]\d[A-Z] ?\d[A-Z]\d$/, 'onboarding.postal_code_invalid'),
  ),
  municipalityId: z.coerce.number().int().positive('onboarding.municipality_required'),
  /** Optional map pin; without it the store sits at its municipality's coordinates. */
  lat: optional(latSchema),
  lng: optional(lngSchema),
  categories: z.array(z.coerce.number().int().positive()).max(10).default([]),
  associations: z.array(z.coerce.number().int().positive()).min(1, 'onboarding.association_required').max(5),
  ownerName: humanText({ max: 120 }),
  email: emailSchema,
  password: z.string().max(200),
  locale: z.enum(['fr', 'en']).default('fr'),
});
export type MerchantSignupInput = z.input<typeof merchantSignupInput>;

export interface MerchantSignupResult {
  merchantId: number;
  slug: string;
  userId: number;
  email: string;
  locationId: number;
}

/**
 * Creates a pending merchant, its first location (geocoded from the region's municipalities
 * table, or the map pin), its memberships and categories, and its owner (role merchant_owner,
 * email to confirm), all in one transaction.
 */
export async function registerMerchant(db: Kysely<DB>, raw: unknown): Promise<MerchantSignupResult> {
  const parsed = merchantSignupInput.safeParse(raw);
  const issues: FieldIssue[] = parsed.success ? [] : zodIssues(parsed.error);
  const pw = passwordProblem(String((raw as Record<string, unknown>)?.password ?? ''));
  if (pw) issues.push({ field: 'password', message: pw });
  if (!parsed.success || issues.length) throw new ValidationError(issues);
  const input = parsed.data;
  if ((input.lat === undefined) !== (input.lng === undefined))
    issues.push({ field: 'lat', message: 'onboarding.pin_incomplete' });

  const municipality = await db
    .selectFrom('municipalities')
    .select(['id', 'name', 'lat', 'lng', 'spread_km'])
    .where('id', '=', input.municipalityId)
    .executeTakeFirst();
  if (!municipality) issues.push({ field: 'municipalityId', message: 'onboarding.municipality_required' });
  const associations = await db
    .selectFrom('associations')
    .select('id')
    .where('id', 'in', input.associations)
    .execute();
  if (associations.length !== new Set(input.associations).size)
    issues.push({ field: 'associations', message: 'onboarding.association_required' });
  const categories = input.categories.length
    ? await db.selectFrom('categories').select('id').where('id', 'in', input.categories).execute()
    : [];
  if (categories.length !== new Set(input.categories).size)
    issues.push({ field: 'categories', message: 'field.invalid' });
  const taken = await db.selectFrom('users').select('id').where('email', '=', input.email).executeTakeFirst();
  if (taken) issues.push({ field: 'email', message: 'account.email_taken' });
  const neqTaken = await db
    .selectFrom('merchants')
    .select('id')
    .where('neq', '=', input.neq)
    .executeTakeFirst();
  if (neqTaken) issues.push({ field: 'neq', message: 'onboarding.neq_taken' });
  if (issues.length || !municipality) throw new ValidationError(issues);

  const base = slugify(input.businessName) || 'commerce';
  let slug = base;
  for (
    let i = 2;
    await db.selectFrom('merchants').select('id').where('slug', '=', slug).executeTakeFirst();
    i++
  )
    slug = `${base}-${i}`;
  const passwordHash = await hashPassword(input.password);

  return db.transaction().execute(async (trx) => {
    const m = await trx
      .insertInto('merchants')
      .values({
        slug,
        legal_name: input.legalName ?? input.businessName,
        display_name: input.businessName,
        neq: input.neq,
        tax_status: input.taxStatus ?? 'registered',
        gst_number: input.taxStatus === 'small_supplier' ? null : (input.gstNumber ?? null),
        qst_number: input.taxStatus === 'small_supplier' ? null : (input.qstNumber ?? null),
        email: input.email,
        phone: input.phone ?? null,
        website: input.website ?? null,
        logo_url: null,
        status: 'pending',
        approved_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const loc = await trx
      .insertInto('locations')
      .values({
        merchant_id: m.id,
        code: 'principal',
        name: input.businessName,
        address_line: input.address,
        municipality: municipality.name,
        postal_code: input.postalCode ?? null,
        lat: input.lat ?? municipality.lat,
        lng: input.lng ?? municipality.lng,
        phone: input.phone ?? null,
        hours_json: '{}',
        pickup: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const a of associations)
      await trx
        .insertInto('association_members')
        .values({ association_id: a.id, merchant_id: m.id })
        .execute();
    for (const c of categories)
      await trx.insertInto('merchant_categories').values({ merchant_id: m.id, category_id: c.id }).execute();
    const u = await trx
      .insertInto('users')
      .values({
        email: input.email,
        password_hash: passwordHash,
        name: input.ownerName,
        locale: input.locale,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('user_roles')
      .values({ user_id: u.id, role: 'merchant_owner', merchant_id: m.id, association_id: null })
      .execute();
    return { merchantId: m.id, slug, userId: u.id, email: input.email, locationId: loc.id };
  });
}

export interface AdminScope {
  all: boolean;
  associationIds: number[];
}

export interface MerchantForReview {
  id: number;
  display_name: string;
  legal_name: string;
  neq: string | null;
  email: string | null;
  status: MerchantStatus;
  created_at: string;
  municipality: string;
  associations: string[];
}

/** Merchants an admin may review: every one for a region admin, else members of the admin's associations. */
export async function listMerchantsForAdmin(
  db: Kysely<DB>,
  scope: AdminScope,
  status: MerchantStatus | 'all' = 'pending',
): Promise<MerchantForReview[]> {
  if (!scope.all && scope.associationIds.length === 0) return [];
  let q = db
    .selectFrom('merchants')
    .select(['id', 'display_name', 'legal_name', 'neq', 'email', 'status', 'created_at'])
    .orderBy('created_at')
    .orderBy('id')
    .limit(500);
  if (status !== 'all') q = q.where('status', '=', status);
  if (!scope.all)
    q = q.where('id', 'in', (eb) =>
      eb
        .selectFrom('association_members')
        .select('merchant_id')
        .where('association_id', 'in', scope.associationIds)
        .where('status', '=', 'active'),
    );
  const rows = await q.execute();
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const members = await db
    .selectFrom('association_members')
    .innerJoin('associations', 'associations.id', 'association_members.association_id')
    .select(['association_members.merchant_id', 'associations.short_name'])
    .where('association_members.merchant_id', 'in', ids)
    .where('association_members.status', '=', 'active')
    .execute();
  const locs = await db
    .selectFrom('locations')
    .select(['merchant_id', 'municipality'])
    .where('merchant_id', 'in', ids)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    ...r,
    municipality: locs.find((l) => l.merchant_id === r.id)?.municipality ?? '',
    associations: members.filter((m) => m.merchant_id === r.id).map((m) => m.short_name),
  }));
}

/** True when the merchant belongs to one of the admin's associations (or the admin is a region admin). */
export async function merchantInScope(
  db: Kysely<DB>,
  scope: AdminScope,
  merchantId: number,
): Promise<boolean> {
  const m = await db.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst();
  if (!m) return false;
  if (scope.all) return true;
  if (!scope.associationIds.length) return false;
  const hit = await db
    .selectFrom('association_members')
    .select('merchant_id')
    .where('merchant_id', '=', merchantId)
    .where('association_id', 'in', scope.associationIds)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return !!hit;
}

/**
 * Approves or suspends a merchant within the admin's scope (out of scope = 404, as for an
 * unknown id). Returns the owners to notify.
 */
export async function setMerchantStatus(
  db: Kysely<DB>,
  scope: AdminScope,
  merchantId: number,
  status: 'approved' | 'suspended',
): Promise<{ display_name: string; owners: { email: string; locale: 'fr' | 'en' }[]; changed: boolean }> {
  if (!(await merchantInScope(db, scope, merchantId))) throw notFound('merchant');
  const m = await db
    .selectFrom('merchants')
    .select(['display_name', 'status'])
    .where('id', '=', merchantId)
    .executeTakeFirstOrThrow();
  if (m.status === status) return { display_name: m.display_name, owners: [], changed: false };
  if (status === 'approved') {
    const verified = await db
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select('users.id')
      .where('user_roles.merchant_id', '=', merchantId)
      .where('user_roles.role', '=', 'merchant_owner')
      .where('users.email_verified_at', 'is not', null)
      .executeTakeFirst();
    const anyOwner = await db
      .selectFrom('user_roles')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where('role', '=', 'merchant_owner')
      .executeTakeFirst();
    // Merchants created by an operator (CLI) have no owner account; those signing up must confirm first.
    if (anyOwner && !verified) throw new AppError('conflict', 'onboarding.owner_unverified');
  }
  const now = new Date().toISOString();
  await db
    .updateTable('merchants')
    .set({ status, updated_at: now, ...(status === 'approved' ? { approved_at: now } : {}) })
    .where('id', '=', merchantId)
    .execute();
  const owners = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select(['users.email', 'users.locale'])
    .where('user_roles.merchant_id', '=', merchantId)
    .where('user_roles.role', '=', 'merchant_owner')
    .execute();
  return { display_name: m.display_name, owners, changed: true };
}

export async function listMunicipalities(db: Kysely<DB>) {
  return db.selectFrom('municipalities').select(['id', 'name', 'lat', 'lng']).orderBy('name').execute();
}

/**
 * Tells a merchant's owners, each in their language, that a region admin approved or suspended
 * it (after setMerchantStatus reported a change). The approval gives the back-office link, always
 * absolute from the configured public URL (never a request's Host header).
 */
export async function notifyMerchantStatus(
  mailer: Mailer,
  baseUrl: string,
  r: { display_name: string; owners: { email: string; locale: 'fr' | 'en' }[]; changed: boolean },
  status: 'approved' | 'suspended',
): Promise<void> {
  if (!r.changed) return;
  for (const o of r.owners) {
    const text = t(o.locale, `admin.mail_${status}_body`, { name: r.display_name });
    const link = `${baseUrl}${o.locale === 'fr' ? '/fr/marchand' : '/en/merchant'}`;
    await mailer.send({
      to: o.email,
      lang: o.locale,
      kind: `merchant_${status}`,
      subject: t(o.locale, `admin.mail_${status}_subject`, { name: r.display_name }),
      text:
        status === 'approved'
          ? `${text}\n\n${t(o.locale, 'email.merchant_approved.link', { url: link })}`
          : text,
    });
  }
}
