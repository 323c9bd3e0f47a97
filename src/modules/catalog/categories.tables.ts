import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface CategoriesTable {
    /** 1 = hidden by the region admin: not offered in lists, pickers or the API (migration 005). */
    hidden: ColumnType<number, number | undefined, number>;
  }
  interface DB {
    /**
     * Old slugs (a merged category, the demo's former slugs) that still resolve to a category, and
     * the region admin's synonyms (migration 007: `label` as typed, `folded` normalised and unique;
     * both null on slug aliases; a synonym's `slug` is `synonym:<folded>`, never a real slug).
     */
    category_aliases: {
      slug: string;
      category_id: number;
      label: ColumnType<string | null, string | null | undefined, string | null>;
      folded: ColumnType<string | null, string | null | undefined, string | null>;
    };
  }
}
