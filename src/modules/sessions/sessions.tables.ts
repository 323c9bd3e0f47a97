import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    sessions: {
      /** SHA-256 (hex) of the cookie token; the token itself is never stored. */
      id: string;
      user_id: number;
      created_at: ColumnType<string, string | undefined, string>;
      expires_at: string;
      last_seen_at: ColumnType<string, string | undefined, string>;
    };
    login_failures: {
      id: Generated<number>;
      email: string;
      ip: string | null;
      created_at: ColumnType<string, string | undefined, string>;
    };
  }
}
