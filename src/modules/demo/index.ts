import type { Database } from '../../db/database.ts';

export interface SeedOptions {
  merchants: number;
  products: number;
  seed: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface SeedResult {
  associations: number;
  merchants: number;
  locations: number;
  products: number;
  seconds: number;
}

/** Deterministic demo region (placeholder until the generator lands). */
export async function seedDemo(_database: Database, _opts: SeedOptions): Promise<SeedResult> {
  throw new Error('not implemented yet');
}

/** True when the database has no merchants yet (the start command seeds only then). */
export async function isEmpty(database: Database): Promise<boolean> {
  const row = await database.db.selectFrom('merchants').select('id').limit(1).executeTakeFirst();
  return !row;
}
