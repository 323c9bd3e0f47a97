import type { Kysely, Transaction } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';

/** A connection or a transaction: callers pass their transaction so the write joins it. */
export type Db = Kysely<DB> | Transaction<DB>;

/** One role held by a user, scoped to a merchant or an association when the role needs it. */
export interface RoleGrant {
  role: Role;
  merchant_id?: number | null;
  association_id?: number | null;
}

/** The public fields of a user (never the password hash). */
export interface UserSummary {
  id: number;
  email: string;
  name: string;
  locale: 'fr' | 'en';
  email_verified_at: string | null;
}

const summaryColumns = ['id', 'email', 'name', 'locale', 'email_verified_at'] as const;

export async function findUserByEmail(db: Db, email: string): Promise<UserSummary | undefined> {
  return db.selectFrom('users').select(summaryColumns).where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<UserSummary | undefined> {
  return db.selectFrom('users').select(summaryColumns).where('id', '=', id).executeTakeFirst();
}

export async function usersByIds(db: Db, ids: readonly number[]): Promise<UserSummary[]> {
  if (!ids.length) return [];
  return db
    .selectFrom('users')
    .select(summaryColumns)
    .where('id', 'in', [...new Set(ids)])
    .orderBy('id')
    .execute();
}

/** The stored password hash (null: the account has none yet), for the password checks only. */
export async function findCredentials(
  db: Db,
  where: { email: string } | { id: number },
): Promise<
  | {
      id: number;
      email: string;
      name: string;
      locale: 'fr' | 'en';
      password_hash: string | null;
      email_verified_at: string | null;
    }
  | undefined
> {
  let q = db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'locale', 'password_hash', 'email_verified_at']);
  q = 'email' in where ? q.where('email', '=', where.email) : q.where('id', '=', where.id);
  return q.executeTakeFirst();
}

export async function insertUser(
  db: Db,
  values: {
    email: string;
    password_hash: string | null;
    name?: string;
    locale?: 'fr' | 'en';
    email_verified_at?: string | null;
  },
): Promise<number> {
  const row = await db
    .insertInto('users')
    .values({
      email: values.email,
      password_hash: values.password_hash,
      name: values.name,
      locale: values.locale,
      email_verified_at: values.email_verified_at ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Marks the address confirmed; false when the user changed address since (or does not exist). */
export async function setEmailVerified(db: Db, userId: number, email: string, at: string): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ email_verified_at: at, updated_at: at })
    .where('id', '=', userId)
    .where('email', '=', email)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Counts the address as confirmed if it was not yet (an emailed link proved it); keeps the first date. */
export async function verifyEmailIfUnverified(db: Db, userId: number, at: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ email_verified_at: at })
    .where('id', '=', userId)
    .where('email_verified_at', 'is', null)
    .execute();
}

export async function setProfile(
  db: Db,
  userId: number,
  values: { name: string; locale: 'fr' | 'en' },
  at: string,
): Promise<void> {
  await db
    .updateTable('users')
    .set({ name: values.name, locale: values.locale, updated_at: at })
    .where('id', '=', userId)
    .execute();
}

/** Replaces the password hash; `onlyIfNone` sets it only for an account that has none yet. */
export async function setPasswordHash(
  db: Db,
  userId: number,
  passwordHash: string,
  at: string,
  opts: { onlyIfNone?: boolean } = {},
): Promise<void> {
  let q = db
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: at })
    .where('id', '=', userId);
  if (opts.onlyIfNone) q = q.where('password_hash', 'is', null);
  await q.execute();
}

export async function insertRole(db: Db, userId: number, grant: RoleGrant): Promise<void> {
  await db
    .insertInto('user_roles')
    .values({
      user_id: userId,
      role: grant.role,
      merchant_id: grant.merchant_id ?? null,
      association_id: grant.association_id ?? null,
    })
    .execute();
}

/**
 * Deletes the user's roles matching the filter (a merchant or association scope narrows it);
 * returns how many were removed.
 */
export async function deleteRoles(
  db: Db,
  userId: number,
  filter: { roles: readonly Role[]; merchantId?: number; associationId?: number },
): Promise<number> {
  if (!filter.roles.length) return 0;
  let q = db
    .deleteFrom('user_roles')
    .where('user_id', '=', userId)
    .where('role', 'in', [...filter.roles]);
  if (filter.merchantId !== undefined) q = q.where('merchant_id', '=', filter.merchantId);
  if (filter.associationId !== undefined) q = q.where('association_id', '=', filter.associationId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function rolesOf(
  db: Db,
  userId: number,
): Promise<{ role: Role; merchant_id: number | null; association_id: number | null }[]> {
  const rows = await db
    .selectFrom('user_roles')
    .select(['role', 'merchant_id', 'association_id'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  // Plain objects (node:sqlite rows have a null prototype): callers compare and serialise them.
  return rows.map((r) => ({ role: r.role, merchant_id: r.merchant_id, association_id: r.association_id }));
}

/** True when the user holds that role (within the given merchant or association when set). */
export async function hasRole(
  db: Db,
  userId: number,
  grant: { role: Role; merchant_id?: number | null; association_id?: number | null },
): Promise<boolean> {
  let q = db
    .selectFrom('user_roles')
    .select('id')
    .where('user_id', '=', userId)
    .where('role', '=', grant.role);
  if (grant.association_id != null) q = q.where('association_id', '=', grant.association_id);
  if (grant.merchant_id != null) q = q.where('merchant_id', '=', grant.merchant_id);
  return (await q.executeTakeFirst()) !== undefined;
}

/** A user with one of their roles: one row per (user, role) pair. */
export interface UserWithRole extends UserSummary {
  role: Role;
  merchant_id: number | null;
  association_id: number | null;
}

/**
 * Users holding one of `roles`, optionally within one merchant or association or for one address;
 * one row per held role.
 */
export async function usersWithRoles(
  db: Db,
  filter: {
    roles: readonly Role[];
    merchantId?: number;
    associationId?: number;
    email?: string;
    /** 'role' (default): by role, then email; 'email': by email, then grant order. */
    orderBy?: 'role' | 'email';
  },
): Promise<UserWithRole[]> {
  if (!filter.roles.length) return [];
  let q = db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select([
      'u.id',
      'u.email',
      'u.name',
      'u.locale',
      'u.email_verified_at',
      'r.role',
      'r.merchant_id',
      'r.association_id',
    ])
    .where('r.role', 'in', [...filter.roles]);
  if (filter.merchantId !== undefined) q = q.where('r.merchant_id', '=', filter.merchantId);
  if (filter.associationId !== undefined) q = q.where('r.association_id', '=', filter.associationId);
  if (filter.email !== undefined) q = q.where('u.email', '=', filter.email);
  if (filter.orderBy !== 'email') q = q.orderBy('r.role');
  return q.orderBy('u.email').orderBy('r.id').execute();
}
