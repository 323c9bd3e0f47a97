import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
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

/**
 * Changes a member's status in ONE association (approve = 'active', suspend = 'suspended').
 * Scoped by the association id: another association's membership is never touched (404).
 */
export async function setMemberStatus(
  db: Kysely<DB>,
  associationId: number,
  merchantId: number,
  status: MemberStatus,
) {
  if (!MEMBER_STATUSES.includes(status))
    throw new ValidationError([
      { field: 'status', message: 'field.invalid_enum', params: { options: MEMBER_STATUSES.join(', ') } },
    ]);
  const r = await db
    .updateTable('association_members')
    .set({ status })
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw notFound('member');
}

/** Invites a merchant of the region (by slug) to join; it appears once approved ('active'). */
export async function inviteMember(db: Kysely<DB>, associationId: number, merchantSlug: string) {
  const m = await db
    .selectFrom('merchants')
    .select('id')
    .where('slug', '=', merchantSlug.trim())
    .executeTakeFirst();
  if (!m) throw new ValidationError([{ field: 'merchant', message: 'association.unknown_merchant' }]);
  const existing = await db
    .selectFrom('association_members')
    .select('status')
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', m.id)
    .executeTakeFirst();
  if (existing) throw new ValidationError([{ field: 'merchant', message: 'association.already_member' }]);
  await db
    .insertInto('association_members')
    .values({ association_id: associationId, merchant_id: m.id, status: 'invited' })
    .execute();
  return m.id;
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
/** Region admins create associations. */
export async function createAssociation(db: Kysely<DB>, raw: unknown) {
  const parsed = showcaseInput
    .extend({ slug: z.string().trim().regex(slugRe, 'field.invalid').max(60) })
    .safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  if (await getAssociationBySlug(db, parsed.data.slug))
    throw new ValidationError([{ field: 'slug', message: 'association.slug_taken' }]);
  return db
    .insertInto('associations')
    .values(parsed.data)
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
