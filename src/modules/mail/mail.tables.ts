import type { ColumnType, Generated } from 'kysely';

declare module '../../db/schema.ts' {
  interface DB {
    outbox: {
      id: Generated<number>;
      to_address: string;
      subject: string;
      text_body: string;
      html_body: string | null;
      lang: ColumnType<string, string | undefined, string>;
      kind: ColumnType<string, string | undefined, string>;
      created_at: ColumnType<string, string | undefined, string>;
      sent_at: string | null;
      error: string | null;
    };
  }
}
