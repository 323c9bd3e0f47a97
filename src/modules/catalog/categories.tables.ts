import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface CategoriesTable {
    /** 1 = hidden by the region admin: not offered in lists, pickers or the API (migration 005). */
    hidden: ColumnType<number, number | undefined, number>;
  }
  interface DB {
    /** Old slugs (a merged category, the demo's former slugs) that still resolve to a category. */
    category_aliases: { slug: string; category_id: number };
  }
}
