import type { Kysely, Transaction } from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB } from '../../db/schema.ts';

/** Every query of the associations module: only `associations` and `association_members`. */
export type Db = Kysely<DB> | Transaction<DB>;

export type MemberStatus = 'invited' | 'active' | 'suspended';

const identity = [
  'id',
  'slug',
  'name',
  'short_name',
  'description_fr',
  'description_en',
  'primary_color',
  'accent_color',
  'logo_url',
] as const;

/** The associations' public identity, by name. */
export function listAssociationRows(db: Db) {
  return db.selectFrom('associations').select(identity).orderBy('name').execute();
}

export function findById(db: Db, id: number) {
  return db.selectFrom('associations').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findBySlug(db: Db, slug: string) {
  return db.selectFrom('associations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export function findBySlugs(db: Db, slugs: string[]) {
  if (!slugs.length) return Promise.resolve([]);
  return db.selectFrom('associations').select(['id', 'slug', 'name']).where('slug', 'in', slugs).execute();
}

export function findByIds(db: Db, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('associations')
    .select(['id', 'slug', 'name', 'short_name', 'primary_color', 'accent_color'])
    .where('id', 'in', [...new Set(ids)])
    .orderBy('name')
    .execute();
}

export function countAssociations(db: Db) {
  return db
    .selectFrom('associations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

export function insertAssociation(
  db: Db,
  values: {
    slug: string;
    name: string;
    short_name: string;
    description_fr: string;
    description_en: string;
    primary_color: string;
    accent_color: string;
    logo_url: string | null;
    website: string | null;
    municipalities_json: string;
    center_lat: number;
    center_lng: number;
  },
) {
  return db.insertInto('associations').values(values).returning(['id', 'slug']).executeTakeFirstOrThrow();
}

export function updateIdentity(
  db: Db,
  associationId: number,
  values: {
    name: string;
    short_name: string;
    description_fr: string;
    description_en: string;
    primary_color: string;
    accent_color: string;
    logo_url: string | null;
    website: string | null;
  },
) {
  return db
    .updateTable('associations')
    .set({ ...values, updated_at: new Date().toISOString() })
    .where('id', '=', associationId)
    .execute();
}

// ------------------------------------------------------------------ memberships

export function memberRow(db: Db, associationId: number, merchantId: number) {
  return db
    .selectFrom('association_members')
    .select('status')
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
}

/** Memberships of one association (every status), oldest first. */
export function membersOf(db: Db, associationId: number) {
  return db
    .selectFrom('association_members')
    .select(['merchant_id', 'status', 'joined_at'])
    .where('association_id', '=', associationId)
    .execute();
}

/** Distinct merchant ids with an ACTIVE membership in one of these associations. */
export async function activeMemberIds(db: Db, associationIds: number[]): Promise<number[]> {
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

/** (association, merchant) pairs of every active membership, for member counts. */
export function activeMemberships(db: Db) {
  return db
    .selectFrom('association_members')
    .select(['association_id', 'merchant_id'])
    .where('status', '=', 'active')
    .execute();
}

/** Active memberships of these merchants with the association's names. */
export function activeAssociationsOfMerchants(db: Db, merchantIds: number[]) {
  if (!merchantIds.length) return Promise.resolve([]);
  return activeAssociationsQuery(db, merchantIds);
}

/** Active memberships of these merchants, as built (tests compare the prepared form to it). */
export const buildActiveAssociationsOfMerchants = (db: Db, merchantIds: readonly number[]) =>
  db
    .selectFrom('association_members as am')
    .innerJoin('associations as a', 'a.id', 'am.association_id')
    .select([
      'am.merchant_id',
      'a.id',
      'a.slug',
      'a.name',
      'a.short_name',
      'a.primary_color',
      'a.accent_color',
    ])
    .where('am.merchant_id', 'in', merchantIds)
    .where('am.status', '=', 'active')
    .orderBy('a.name');
// Prepared (src/db/prepared.ts): every merchant page reads its merchant's associations.
const activeAssociationsQuery = preparedQuery(buildActiveAssociationsOfMerchants);

/** A merchant's memberships (every status) with the association's names. */
export function membershipsOfMerchant(db: Db, merchantId: number) {
  return db
    .selectFrom('association_members as am')
    .innerJoin('associations as a', 'a.id', 'am.association_id')
    .select(['a.id', 'a.slug', 'a.name', 'am.status', 'am.joined_at'])
    .where('am.merchant_id', '=', merchantId)
    .orderBy('a.name')
    .execute();
}

export function countInvitations(db: Db, merchantId: number) {
  return db
    .selectFrom('association_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('status', '=', 'invited')
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

export function insertMembership(db: Db, associationId: number, merchantId: number, status?: MemberStatus) {
  return db
    .insertInto('association_members')
    .values({ association_id: associationId, merchant_id: merchantId, ...(status ? { status } : {}) })
    .execute();
}

/** Sets a membership's status; `onlyFrom` limits it to memberships currently in those statuses. Rows changed. */
export async function updateMemberStatus(
  db: Db,
  associationId: number,
  merchantId: number,
  status: MemberStatus,
  onlyFrom?: MemberStatus[],
  joinedAt?: string,
): Promise<number> {
  let q = db
    .updateTable('association_members')
    .set({ status, ...(joinedAt ? { joined_at: joinedAt } : {}) })
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', merchantId);
  if (onlyFrom) q = q.where('status', 'in', onlyFrom);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes a membership; `onlyStatus` limits it to that status. Rows deleted. */
export async function deleteMembership(
  db: Db,
  associationId: number,
  merchantId: number,
  onlyStatus?: MemberStatus,
): Promise<number> {
  let q = db
    .deleteFrom('association_members')
    .where('association_id', '=', associationId)
    .where('merchant_id', '=', merchantId);
  if (onlyStatus) q = q.where('status', '=', onlyStatus);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}
