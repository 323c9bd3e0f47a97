import type { ColumnType } from 'kysely';

declare module '../../db/schema.ts' {
  interface MunicipalitiesTable {
    /** Canada Post forward sortation areas, upper-case, space-separated (migration 006). */
    postal_prefixes: ColumnType<string, string | undefined, string>;
  }
}
