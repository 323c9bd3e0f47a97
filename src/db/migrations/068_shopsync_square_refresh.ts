import type { Kysely } from 'kysely';
import { tsType } from './helpers.ts';

/**
 * Shop sync: a Square account connected with "Connect with Square" (OAuth) keeps its refresh token
 * (encrypted like the access token) and the access token's expiry. Square's OAuth access tokens
 * expire after 30 days; the connection renews its token before it is a week old instead of
 * asking the merchant to reconnect every month. Null for a pasted token (it does not expire).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shopsync_connections').addColumn('refresh_enc', 'text').execute();
  await db.schema.alterTable('shopsync_connections').addColumn('token_expires_at', tsType(db)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('shopsync_connections').dropColumn('token_expires_at').execute();
  await db.schema.alterTable('shopsync_connections').dropColumn('refresh_enc').execute();
}
