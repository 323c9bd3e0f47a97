import type { Db } from './users.repository.ts';
import './password-resets.tables.ts';

export async function insertReset(
  db: Db,
  values: { user_id: number; token_hash: string; created_at: string; expires_at: string },
): Promise<void> {
  await db.insertInto('password_resets').values(values).execute();
}

/** Deletes the user's reset tokens that expired before `before` (kept a while to say "already used"). */
export async function pruneResets(db: Db, userId: number, before: string): Promise<void> {
  await db
    .deleteFrom('password_resets')
    .where('user_id', '=', userId)
    .where('expires_at', '<', before)
    .execute();
}

export async function findResetByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('password_resets')
    .select(['id', 'user_id', 'expires_at', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Consumes a usable token (conditional UPDATE: two concurrent uses cannot both pass). */
export async function consumeReset(db: Db, id: number, at: string): Promise<boolean> {
  const r = await db
    .updateTable('password_resets')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Voids every unused reset token of the user. */
export async function voidResets(db: Db, userId: number, at: string): Promise<void> {
  await db
    .updateTable('password_resets')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}
