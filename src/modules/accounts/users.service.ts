import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, Role } from '../../db/schema.ts';
import { type FieldIssue, ValidationError } from '../../lib/errors.ts';
import { findAssociationBySlug } from '../associations/index.ts';
import { humanTextProblem } from '../common/validation.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import * as users from './users.repository.ts';

export const emailSchema = z.string().trim().toLowerCase().email().max(254);

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  locale?: 'fr' | 'en';
  /** Mark the address as confirmed now (operators, tests); else a confirmation link is needed. */
  verified?: boolean;
  roles?: users.RoleGrant[];
}

/** Validates and creates a user with the given roles (default: customer). */
export async function createUser(db: Kysely<DB>, input: NewUser): Promise<{ id: number; email: string }> {
  const issues: FieldIssue[] = [];
  const email = emailSchema.safeParse(input.email);
  if (!email.success) issues.push({ field: 'email', message: 'field.invalid_email' });
  const pw = passwordProblem(input.password ?? '', [input.email.split('@')[0] ?? '', input.name ?? '']);
  if (pw) issues.push({ field: 'password', message: pw });
  const name = (input.name ?? '').trim();
  if (name.length > 120) issues.push({ field: 'name', message: 'field.too_long', params: { maximum: 120 } });
  const nameProblem = humanTextProblem(name);
  if (nameProblem) issues.push({ field: 'name', message: nameProblem });
  if (issues.length || !email.success) throw new ValidationError(issues);
  const existing = await users.findUserByEmail(db, email.data);
  // Hashed either way: a taken address must cost the same time as a new one (no enumeration by timing).
  const passwordHash = await hashPassword(input.password);
  if (existing) throw new ValidationError([{ field: 'email', message: 'account.email_taken' }]);
  const roles = input.roles ?? [{ role: 'customer' as Role }];
  return db.transaction().execute(async (trx) => {
    const id = await createUserWithHash(trx, {
      email: email.data,
      passwordHash,
      name,
      locale: input.locale ?? 'fr',
      verifiedAt: input.verified ? new Date().toISOString() : null,
      roles,
    });
    return { id, email: email.data };
  });
}

/**
 * Inserts an account whose password the caller already hashed (and checked), with its roles, in the
 * caller's connection or transaction (merchant sign-up, staff invitations, demo data). No validation:
 * the caller owns the rules of its form. Returns the new user's id.
 */
export async function createUserWithHash(
  db: users.Db,
  input: {
    email: string;
    passwordHash: string | null;
    name?: string;
    locale?: 'fr' | 'en';
    /** When the address counts as confirmed (null: a confirmation link is still needed). */
    verifiedAt?: string | null;
    roles?: users.RoleGrant[];
  },
): Promise<number> {
  const id = await users.insertUser(db, {
    email: input.email,
    password_hash: input.passwordHash,
    name: input.name,
    locale: input.locale,
    email_verified_at: input.verifiedAt ?? null,
  });
  for (const r of input.roles ?? []) await users.insertRole(db, id, r);
  return id;
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
  const u = await users.findCredentials(db, { email: normaliseEmail(email) });
  if (!u?.password_hash) {
    dummyHash ??= hashPassword(`dummy-${Math.random()}`);
    await verifyPassword(await dummyHash, password);
    return undefined;
  }
  if (!(await verifyPassword(u.password_hash, password))) return undefined;
  return { id: u.id, verified: u.email_verified_at !== null, locale: u.locale };
}

/** Confirms the address of a user if it is still the one the link was made for. */
export async function markEmailVerified(db: Kysely<DB>, userId: number, email: string): Promise<boolean> {
  return users.setEmailVerified(db, userId, email, new Date().toISOString());
}

export async function updateProfile(
  db: Kysely<DB>,
  userId: number,
  input: { name: string; locale: 'fr' | 'en' },
): Promise<void> {
  const problem = humanTextProblem(input.name.trim());
  if (problem) throw new ValidationError([{ field: 'name', message: problem }]);
  await users.setProfile(
    db,
    userId,
    { name: input.name.trim().slice(0, 120), locale: input.locale },
    new Date().toISOString(),
  );
}

export async function findUserByEmail(db: users.Db, email: string) {
  return users.findUserByEmail(db, normaliseEmail(email));
}

/**
 * Creates an operator account (region or association admin, or a read-only funder), its address
 * confirmed: the command line (`comptoir admin create`) makes them.
 */
export async function createOperator(
  db: Kysely<DB>,
  input: {
    email: string;
    password: string;
    role: 'region_admin' | 'association_admin' | 'funder';
    association?: string;
  },
): Promise<{ user_id: number; email: string; role: Role; association?: string }> {
  const issues: FieldIssue[] = [];
  const email = z.string().trim().toLowerCase().email().safeParse(input.email);
  if (!email.success) issues.push({ field: 'email', message: 'field.invalid_email' });
  const pwProblem = passwordProblem(input.password, [input.email.split('@')[0] ?? '']);
  if (pwProblem) issues.push({ field: 'password', message: pwProblem });
  let associationId: number | null = null;
  if (input.role === 'association_admin') {
    if (!input.association) issues.push({ field: 'association', message: 'field.required' });
    else {
      const a = await findAssociationBySlug(db, input.association);
      if (!a)
        issues.push({
          field: 'association',
          message: 'merchant.unknown_association',
          params: { slugs: input.association },
        });
      else associationId = a.id;
    }
  }
  if (issues.length || !email.success) throw new ValidationError(issues);
  const existing = await users.findUserByEmail(db, email.data);
  if (existing) throw new ValidationError([{ field: 'email', message: 'account.email_taken' }]);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const userId = await createUserWithHash(trx, {
      email: email.data,
      passwordHash,
      verifiedAt: new Date().toISOString(),
      roles: [{ role: input.role, association_id: associationId, merchant_id: null }],
    });
    return {
      user_id: userId,
      email: email.data,
      role: input.role,
      ...(input.association ? { association: input.association } : {}),
    };
  });
}
