// The extent of the region's store locations, shared by bench/browse.ts and bench/browse-core.ts
// (their `far` mix draws positions anywhere in it). Its own module: browse-core.ts runs at import.
import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.ts';

/** The smallest box holding every store location, in degrees. */
export interface RegionExtent {
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

/** The extent of the locations table (one query); numbers whatever the driver returns. */
export async function regionExtent(db: Kysely<DB>): Promise<RegionExtent> {
  const e = await db
    .selectFrom('locations')
    .select((eb) => [
      eb.fn.min<number>('lat').as('minLat'),
      eb.fn.max<number>('lat').as('maxLat'),
      eb.fn.min<number>('lng').as('minLng'),
      eb.fn.max<number>('lng').as('maxLng'),
    ])
    .executeTakeFirstOrThrow();
  return {
    minLat: Number(e.minLat),
    maxLat: Number(e.maxLat),
    minLng: Number(e.minLng),
    maxLng: Number(e.maxLng),
  };
}
