/** SQL over the merchants module's own tables `merchants` and `merchant_categories`. */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import { preparedQuery } from '../../db/prepared.ts';
import type { DB, MerchantStatus, MerchantsTable } from '../../db/schema.ts';

export type Q = Kysely<DB> | Transaction<DB>;

export async function findById(db: Q, id: number) {
  return (await byIdQuery(db, id))[0];
}
// Prepared (src/db/prepared.ts): a cart add, a checkout and the pages read merchants by id often.
const byIdQuery = preparedQuery((db: Q, id: number) =>
  db.selectFrom('merchants').selectAll().where('id', '=', id),
);

export function findByIds(db: Q, ids: readonly number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('merchants')
    .selectAll()
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id')
    .execute();
}

export function findBySlug(db: Q, slug: string) {
  return db.selectFrom('merchants').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findApprovedBySlug(db: Q, slug: string) {
  return (await approvedBySlugQuery(db, slug))[0];
}
const approvedBySlugQuery = preparedQuery((db: Q, slug: string) =>
  db.selectFrom('merchants').selectAll().where('slug', '=', slug).where('status', '=', 'approved'),
);

export function slugExists(db: Q, slug: string) {
  return db.selectFrom('merchants').select('id').where('slug', '=', slug).executeTakeFirst();
}

export function findByNeq(db: Q, neq: string) {
  return db.selectFrom('merchants').select('id').where('neq', '=', neq).executeTakeFirst();
}

/** Above this many ids, reading every approved id is cheaper than binding them all (see below). */
const AMONG_MAX_BOUND = 1000;

/** Ids among `ids` whose merchant is approved. */
export async function approvedIdsAmong(db: Q, ids: readonly number[]): Promise<number[]> {
  if (!ids.length) return [];
  if (ids.length > AMONG_MAX_BOUND) {
    // The home page's association member counts ask about ~17,000 memberships on the 1M region:
    // compiling and binding that IN list cost 20–100 ms of CPU (on SQLite, all of it holding the
    // event loop); the approved ids alone come from the `merchants_status` index in about half.
    const wanted = new Set(ids);
    return (await approvedIds(db)).filter((id) => wanted.has(id));
  }
  const rows = await db
    .selectFrom('merchants')
    .select('id')
    .where('id', 'in', [...new Set(ids)])
    .where('status', '=', 'approved')
    .execute();
  return rows.map((r) => r.id);
}

export async function approvedIds(db: Q): Promise<number[]> {
  const rows = await db.selectFrom('merchants').select('id').where('status', '=', 'approved').execute();
  return rows.map((r) => r.id);
}

export async function countByStatus(db: Q, status: MerchantStatus): Promise<number> {
  const r = await db
    .selectFrom('merchants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', status)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function anyMerchant(db: Q): Promise<boolean> {
  return !!(await db.selectFrom('merchants').select('id').limit(1).executeTakeFirst());
}

export function listForReview(db: Q, filter: { status?: MerchantStatus; ids?: readonly number[] }) {
  let q = db
    .selectFrom('merchants')
    .select(['id', 'display_name', 'legal_name', 'neq', 'email', 'status', 'created_at'])
    .orderBy('created_at')
    .orderBy('id')
    .limit(500);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.ids) q = q.where('id', 'in', filter.ids.length ? [...filter.ids] : [-1]);
  return q.execute();
}

export function insertMerchant(db: Q, values: Insertable<MerchantsTable>) {
  return db.insertInto('merchants').values(values).returning('id').executeTakeFirstOrThrow();
}

export async function updateMerchant(db: Q, id: number, values: Updateable<MerchantsTable>): Promise<number> {
  const r = await db.updateTable('merchants').set(values).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/* ------------------------------------------------------------------ merchant_categories */

export async function categoryIdsOf(db: Q, merchantId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('merchant_categories')
    .select('category_id')
    .where('merchant_id', '=', merchantId)
    .execute();
  return rows.map((r) => r.category_id);
}

export async function insertCategories(db: Q, merchantId: number, categoryIds: readonly number[]) {
  for (const categoryId of categoryIds)
    await db
      .insertInto('merchant_categories')
      .values({ merchant_id: merchantId, category_id: categoryId })
      .execute();
}

/**
 * Every merchant filed under category `from` is filed under `to` instead (a category merge); a
 * merchant already under both keeps one row.
 */
export async function moveCategory(db: Q, from: number, to: number): Promise<void> {
  const rows = await db
    .selectFrom('merchant_categories as mc')
    .select('mc.merchant_id')
    .where('mc.category_id', '=', from)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('merchant_categories as x')
            .select('x.merchant_id')
            .whereRef('x.merchant_id', '=', 'mc.merchant_id')
            .where('x.category_id', '=', to),
        ),
      ),
    )
    .execute();
  if (rows.length)
    await db
      .insertInto('merchant_categories')
      .values(rows.map((r) => ({ merchant_id: r.merchant_id, category_id: to })))
      .execute();
  await db.deleteFrom('merchant_categories').where('category_id', '=', from).execute();
}

/** Every merchant filed under this category is no longer (the region admin hid the category). Added by catalog (H2). */
export async function unlinkCategory(db: Q, categoryId: number): Promise<void> {
  await db.deleteFrom('merchant_categories').where('category_id', '=', categoryId).execute();
}
