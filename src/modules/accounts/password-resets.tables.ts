import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    password_resets: {
      id: Generated<number>;
      user_id: number;
      /** SHA-256 (hex) of the emailed token; the token itself is never stored. */
      token_hash: string;
      created_at: ColumnType<string, string | undefined, string>;
      expires_at: string;
      /** Set when the token is consumed (or voided by another reset or a password change). */
      used_at: string | null;
    };
  }
}
