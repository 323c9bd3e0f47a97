import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, Role } from '../../db/schema.ts';
import { ValidationError } from '../../lib/errors.ts';
import { humanTextProblem } from '../common/validation.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

export const emailSchema = z.string().trim().toLowerCase().email().max(254);

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  locale?: 'fr' | 'en';
  /** Mark the address as confirmed now (operators, tests); else a confirmation link is needed. */
  verified?: boolean;
  roles?: { role: Role; merchant_id?: number | null; association_id?: number | null }[];
}

/** Validates and creates a user with the given roles (default: customer). */
export async function createUser(db: Kysely<DB>, input: NewUser): Promise<{ id: number; email: string }> {
  const issues = [];
  const email = emailSchema.safeParse(input.email);
  if (!email.success) issues.push({ field: 'email', message: 'field.invalid_email' });
  const pw = passwordProblem(input.password ?? '', [input.email.split('@')[0] ?? '', input.name ?? '']);
  if (pw) issues.push({ field: 'password', message: pw });
  const name = (input.name ?? '').trim();
  if (name.length > 120) issues.push({ field: 'name', message: 'field.too_long', params: { maximum: 120 } });
  const nameProblem = humanTextProblem(name);
  if (nameProblem) issues.push({ field: 'name', message: nameProblem });
  if (issues.length || !email.success) throw new ValidationError(issues);
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.data)
    .executeTakeFirst();
  // Hashed either way: a taken address must cost the same time as a new one (no enumeration by timing).
  const passwordHash = await hashPassword(input.password);
  if (existing) throw new ValidationError([{ field: 'email', message: 'account.email_taken' }]);
  const roles = input.roles ?? [{ role: 'customer' as Role }];
  return db.transaction().execute(async (trx) => {
    const u = await trx
      .insertInto('users')
      .values({
        email: email.data,
        password_hash: passwordHash,
        name,
        locale: input.locale ?? 'fr',
        email_verified_at: input.verified ? new Date().toISOString() : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const r of roles) {
      await trx
        .insertInto('user_roles')
        .values({
          user_id: u.id,
          role: r.role,
          merchant_id: r.merchant_id ?? null,
          association_id: r.association_id ?? null,
        })
        .execute();
    }
    return { id: u.id, email: email.data };
  });
}

// A real argon2 hash of a random string: unknown emails cost the same time as known ones.
let dummyHash: Promise<string> | undefined;

/**
 * Checks an email and password. Returns the user id, or undefined for any failure
 * (unknown email and wrong password are indistinguishable, in result and in time).
 */
export async function checkCredentials(
  db: Kysely<DB>,
  email: string,
  password: string,
): Promise<{ id: number; verified: boolean; locale: 'fr' | 'en' } | undefined> {
  const u = await db
    .selectFrom('users')
    .select(['id', 'password_hash', 'email_verified_at', 'locale'])
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst();
  if (!u?.password_hash) {
    dummyHash ??= hashPassword(`dummy-${Math.random()}`);
    await verifyPassword(await dummyHash, password);
    return undefined;
  }
  if (!(await verifyPassword(u.password_hash, password))) return undefined;
  return { id: u.id, verified: u.email_verified_at !== null, locale: u.locale };
}

export async function markEmailVerified(db: Kysely<DB>, userId: number, email: string): Promise<boolean> {
  const r = await db
    .updateTable('users')
    .set({ email_verified_at: new Date().toISOString(), updated_at: new Date().toISOString() })
    .where('id', '=', userId)
    .where('email', '=', email)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function updateProfile(
  db: Kysely<DB>,
  userId: number,
  input: { name: string; locale: 'fr' | 'en' },
): Promise<void> {
  const problem = humanTextProblem(input.name.trim());
  if (problem) throw new ValidationError([{ field: 'name', message: problem }]);
  await db
    .updateTable('users')
    .set({
      name: input.name.trim().slice(0, 120),
      locale: input.locale,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', userId)
    .execute();
}

export async function findUserByEmail(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'locale', 'email_verified_at'])
    .where('email', '=', normaliseEmail(email))
    .executeTakeFirst();
}
