import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    staff_invitations: {
      id: Generated<number>;
      merchant_id: number;
      email: string;
      token_hash: string;
      invited_by: number | null;
      created_at: ColumnType<string, string | undefined, string>;
      expires_at: string;
      accepted_at: string | null;
    };
  }
}
