import type { Kysely } from 'kysely';
import type { DB, Role } from '../../db/schema.ts';
import { findSession } from '../sessions/index.ts';
import { findUserById, rolesOf } from './users.repository.ts';

/** The signed-in user of a request, with every role held. */
export interface SessionUser {
  id: number;
  email: string;
  name: string;
  locale: 'fr' | 'en';
  email_verified: boolean;
  roles: { role: Role; merchant_id: number | null; association_id: number | null }[];
  /** SHA-256 id of the session row (for logout). */
  session_id: string;
}

/** The user behind a cookie token, or undefined when unknown, expired (absolute) or idle too long. */
export async function findSessionUser(
  db: Kysely<DB>,
  token: string,
  now = new Date(),
): Promise<SessionUser | undefined> {
  const session = await findSession(db, token, now);
  if (!session) return undefined;
  const user = await findUserById(db, session.userId);
  if (!user) return undefined;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    locale: user.locale,
    email_verified: user.email_verified_at !== null,
    roles: await rolesOf(db, user.id),
    session_id: session.id,
  };
}
