import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { zodIssues } from '../common/validation.ts';

/** Local merchant associations (APICA in Aylmer, ...) with their member counts. */
export async function listAssociations(db: Kysely<DB>) {
  return db
    .selectFrom('associations as a')
    .leftJoin('association_members as am', (j) =>
      j.onRef('am.association_id', '=', 'a.id').on('am.status', '=', 'active'),
    )
    .leftJoin('merchants as m', (j) => j.onRef('m.id', '=', 'am.merchant_id').on('m.status', '=', 'approved'))
    .select([
      'a.id',
      'a.slug',
      'a.name',
      'a.short_name',
      'a.description_fr',
      'a.description_en',
      'a.primary_color',
      'a.accent_color',
      'a.logo_url',
    ])
    .select((eb) => eb.fn.count<number>('m.id').as('member_count'))
    .groupBy([
      'a.id',
      'a.slug',
      'a.name',
      'a.short_name',
      'a.description_fr',
      'a.description_en',
      'a.primary_color',
      'a.accent_color',
      'a.logo_url',
    ])
    .orderBy('a.name')
    .execute();
}

export async function getAssociationBySlug(db: Kysely<DB>, slug: string) {
  return db.selectFrom('associations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

// ------------------------------------------------------------------ showcase and governance

export type MemberStatus = 'invited' | 'active' | 'suspended';
export const MEMBER_STATUSES: MemberStatus[] = ['invited', 'active', 'suspended'];

export async function getAssociation(db: Kysely<DB>, id: number) {
  return db.selectFrom('associations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Active members (approved merchants) with their store locations, for the showcase map and list. */
export async function showcaseMembers(db: Kysely<DB>, associationId: number) {
  return db
    .selectFrom('association_members as am')
    .innerJoin('merchants as m', 'm.id', 'am.merchant_id')
    .innerJoin('locations as l', 'l.merchant_id', 'm.id')
    .select([
      'm.id',
      'm.slug',
      'm.display_name',
      'm.description_fr',
      'm.description_en',
      'l.address_line',
      'l.municipality',
      'l.lat',
      'l.lng',
    ])
    .where('am.association_id', '=', associationId)
    .where('am.status', '=', 'active')
    .where('m.status', '=', 'approved')
    .orderBy('m.display_name')
    .orderBy('l.id')
    .execute();
}

/** A few active products of the association's members (Québec-labelled first). */
export async function showcaseProducts(db: Kysely<DB>, associationId: number, limit = 12) {
  return db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .innerJoin('association_members as am', (j) =>
      j
        .onRef('am.merchant_id', '=', 'm.id')
        .on('am.association_id', '=', associationId)
        .on('am.status', '=', 'active'),
    )
    .select([
      'p.id',
      'p.title_fr',
      'p.title_en',
      'p.price_cents',
      'p.quebec_label',
      'p.quebec_label_verified',
      'p.images_json',
      'm.display_name as merchant_name',
    ])
    .where('p.status', '=', 'active')
    .where('m.status', '=', 'approved')
    .orderBy(sql`case when p.quebec_label is null then 1 else 0 end`)
    .orderBy('p.id', 'desc')
    .limit(limit)
    .execute();
}

/** Every membership of an association, whatever its status (admin screen). */
export async function listMembers(db: Kysely<DB>, associationId: number) {
  return db
    .selectFrom('association_members as am')
    .innerJoin('merchants as m', 'm.id', 'am.merchant_id')
    .select(['m.id', 'm.slug', 'm.display_name', 'm.status as merchant_status', 'am.status', 'am.joined_at'])
    .where('am.association_id', '=', associationId)
    .orderBy('m.display_name')
    .execute();
}

/** Who asks for a membership change: region admins may do more than an association's own admin. */
export interface MembershipActor {
  regionAdmin: boolean;
}

/**
 * Changes a member's status in ONE association (re-activate = 'active', suspend = 'suspended').
 * Scoped by the association id: another association's membership is never touched (404). An
 * association admin only toggles memberships the merchant has accepted (active or suspended): an
 * invitation becomes active only when the merchant's owner accepts it (`respondToInvitation`), so
 * an association cannot pull another association's merchant into its scope (403). Region admins
 * may set any status.
 */
export async function setMemberStatus(
  db: Kysely<DB>,
  associationId: number,
  merchantId: number,
  status: MemberStatus,
  actor: MembershipActor = { regionAdmin: false },
) {
  const allowed: MemberStatus[] = actor.regionAdmin ? MEMBER_STATUSES : ['active', 'suspended'];
  if (!allowed.includes(status))
    throw new ValidationError([
      { field: 'status', message: 'field.invalid_enum', params: { options: allowed.join(', ') } },
    ]);
  let q = db
    .updateTable('association_members')
    .set({ status })
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', merchantId);
  // One conditional UPDATE: an invitation accepted or declined meanwhile is never overwritten.
  if (!actor.regionAdmin) q = q.where('status', 'in', ['active', 'suspended']);
  const r = await q.executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return;
  const row = await memberRow(db, associationId, merchantId);
  if (row) throw new AppError('forbidden', 'membership.awaiting_merchant');
  throw notFound('member');
}

async function memberRow(db: Kysely<DB>, associationId: number, merchantId: number) {
  return db
    .selectFrom('association_members')
    .select('status')
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

/**
 * Removes a merchant from ONE association (an invitation is withdrawn the same way), with its
 * featuring in that association's campaigns. The merchant itself (region-wide status, other
 * associations, gift-card acceptance) is untouched. Unknown membership: 404.
 */
export async function removeMember(db: Kysely<DB>, associationId: number, merchantId: number) {
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .deleteFrom('association_members')
      .where('association_id', '=', associationId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw notFound('member');
    await trx
      .deleteFrom('campaign_merchants')
      .where('merchant_id', '=', merchantId)
      .where('campaign_id', 'in', (eb) =>
        eb.selectFrom('campaigns').select('id').where('association_id', '=', associationId),
      )
      .execute();
  });
}

/** True when the merchant is an ACTIVE member of the association (the only status that gives scope). */
export async function isActiveMember(db: Kysely<DB>, associationId: number, merchantId: number) {
  return (await memberRow(db, associationId, merchantId))?.status === 'active';
}

/** Ids of the active members of these associations (an association admin's scope). */
export async function activeMemberIds(db: Kysely<DB>, associationIds: number[]): Promise<number[]> {
  if (!associationIds.length) return [];
  const rows = await db
    .selectFrom('association_members')
    .select('merchant_id')
    .distinct()
    .where('association_id', 'in', associationIds)
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => r.merchant_id);
}

/**
 * Invites a merchant of the region (by slug) to join. The membership stays 'invited' (no scope,
 * not shown) until the merchant's owner accepts it in the back-office. Returns the merchant and
 * its owners to notify.
 */
export async function inviteMember(db: Kysely<DB>, associationId: number, merchantSlug: string) {
  const m = await db
    .selectFrom('merchants')
    .select(['id', 'display_name'])
    .where('slug', '=', merchantSlug.trim())
    .executeTakeFirst();
  if (!m) throw new ValidationError([{ field: 'merchant', message: 'association.unknown_merchant' }]);
  if (await memberRow(db, associationId, m.id))
    throw new ValidationError([{ field: 'merchant', message: 'association.already_member' }]);
  try {
    await db
      .insertInto('association_members')
      .values({ association_id: associationId, merchant_id: m.id, status: 'invited' })
      .execute();
  } catch (err) {
    // Two invitations at once: the primary key decides.
    if (/unique|primary|23505/i.test(String((err as { code?: string }).code ?? (err as Error).message)))
      throw new ValidationError([{ field: 'merchant', message: 'association.already_member' }]);
    throw err;
  }
  const owners = await db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['u.email', 'u.locale'])
    .where('r.role', '=', 'merchant_owner')
    .where('r.merchant_id', '=', m.id)
    .execute();
  return { id: m.id, display_name: m.display_name, owners };
}

/** A merchant's memberships (every status), with the association's names, for its back-office. */
export async function merchantMemberships(db: Kysely<DB>, merchantId: number) {
  return db
    .selectFrom('association_members as am')
    .innerJoin('associations as a', 'a.id', 'am.association_id')
    .select(['a.id', 'a.slug', 'a.name', 'am.status', 'am.joined_at'])
    .where('am.merchant_id', '=', merchantId)
    .orderBy('a.name')
    .execute();
}

/** How many invitations wait for the merchant's answer (the back-office shows a notice). */
export async function pendingInvitationCount(db: Kysely<DB>, merchantId: number): Promise<number> {
  const r = await db
    .selectFrom('association_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'invited')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The merchant's owner answers an invitation: accepted, the membership becomes active; declined,
 * it is deleted (the association may invite again later). Only an 'invited' membership of THIS
 * merchant is touched, in one conditional statement; anything else is 404.
 */
export async function respondToInvitation(
  db: Kysely<DB>,
  merchantId: number,
  associationId: number,
  accept: boolean,
) {
  const r = accept
    ? await db
        .updateTable('association_members')
        .set({ status: 'active', joined_at: new Date().toISOString() })
        .where('association_id', '=', associationId)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', 'invited')
        .executeTakeFirst()
        .then((x) => Number(x.numUpdatedRows))
    : await db
        .deleteFrom('association_members')
        .where('association_id', '=', associationId)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', 'invited')
        .executeTakeFirst()
        .then((x) => Number(x.numDeletedRows));
  if (r !== 1) throw notFound('invitation');
}

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'association.colour_invalid');
export const showcaseInput = z.object({
  name: z.string().trim().min(2).max(120),
  short_name: z.string().trim().min(2).max(40),
  description_fr: z.string().trim().max(5000).default(''),
  description_en: z.string().trim().max(5000).default(''),
  primary_color: colour,
  accent_color: colour,
  logo_url: z
    .string()
    .trim()
    .max(500)
    // Same-origin paths only: the Content-Security-Policy (img-src 'self') would block other hosts.
    .regex(/^(\/(?!\/)\S*|)$/, 'association.image_path')
    .transform((s) => s || null)
    .nullable()
    .default(null),
  website: z
    .string()
    .trim()
    .max(500)
    .regex(/^(https?:\/\/|$)/, 'field.invalid')
    .transform((s) => s || null)
    .nullable()
    .default(null),
});

/** An association's own identity on its showcase (name, logo, colours, text). */
export async function updateShowcase(db: Kysely<DB>, associationId: number, raw: unknown) {
  const parsed = showcaseInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  await db
    .updateTable('associations')
    .set({ ...parsed.data, updated_at: new Date().toISOString() })
    .where('id', '=', associationId)
    .execute();
}

const slugRe = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** A coordinate typed in a form: a number (decimal point or comma) within [min, max]. */
const coordinate = (min: number, max: number, key: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : Number(v.trim().replace(',', '.'))) : v),
    z
      .number({ error: (i) => (i.input === undefined ? 'field.required' : key) })
      .refine((n) => Number.isFinite(n) && n >= min && n <= max, key),
  );
export const associationInput = showcaseInput.extend({
  slug: z.string().trim().regex(slugRe, 'field.invalid').max(60),
  // The towns it covers: one per line or separated by commas.
  towns: z.preprocess(
    (v) =>
      (Array.isArray(v) ? v : String(v ?? '').split(/[\n,;]+/)).map((t) => String(t).trim()).filter(Boolean),
    z
      .array(z.string().min(2, 'membership.town_invalid').max(80, 'membership.town_invalid'))
      .min(1, 'membership.towns_required')
      .max(50, 'membership.towns_too_many')
      .transform((a) => [...new Set(a)]),
  ),
  center_lat: coordinate(-90, 90, 'membership.lat_range'),
  center_lng: coordinate(-180, 180, 'membership.lng_range'),
});

/** Region admins create associations: identity, the towns covered and the map centre. */
export async function createAssociation(db: Kysely<DB>, raw: unknown) {
  const parsed = associationInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const { towns, ...rest } = parsed.data;
  if (await getAssociationBySlug(db, rest.slug))
    throw new ValidationError([{ field: 'slug', message: 'association.slug_taken' }]);
  return db
    .insertInto('associations')
    .values({ ...rest, municipalities_json: JSON.stringify(towns) })
    .returning(['id', 'slug'])
    .executeTakeFirstOrThrow();
}

/** One entry per merchant from location rows (a merchant with two stores appears once in lists). */
export function uniqueMembers<T extends { id: number }>(rows: T[]): T[] {
  const seen = new Set<number>();
  const out: T[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
  }
  return out;
}
