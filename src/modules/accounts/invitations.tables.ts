import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    account_invitations: {
      id: Generated<number>;
      /** Normalised (lower-case) address the invitation was sent to. */
      email: string;
      role: 'region_admin' | 'association_admin' | 'funder' | 'merchant_owner';
      association_id: number | null;
      merchant_id: number | null;
      /** SHA-256 (hex) of the emailed token; the token itself is never stored. */
      token_hash: string;
      /** The region admin who sent it (null: the command line). */
      invited_by: number | null;
      /** Language of the email and of the link. */
      lang: ColumnType<'fr' | 'en', 'fr' | 'en' | undefined, 'fr' | 'en'>;
      created_at: ColumnType<string, string | undefined, string>;
      expires_at: string;
      accepted_at: string | null;
      /** Withdrawn by a region admin, replaced by a newer invitation, or its operator revoked. */
      revoked_at: string | null;
      /** The account that accepted it. */
      user_id: number | null;
    };
  }
}
