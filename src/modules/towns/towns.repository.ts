import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './towns.tables.ts';
import type { Town, TownValues } from './towns.schemas.ts';

type Db = Kysely<DB> | Transaction<DB>;
const COLUMNS = ['id', 'name', 'lat', 'lng', 'postal_prefixes'] as const;

export function selectTowns(db: Db): Promise<Town[]> {
  return db.selectFrom('municipalities').select(COLUMNS).orderBy('name').execute();
}

export function selectTownById(db: Db, id: number): Promise<Town | undefined> {
  return db.selectFrom('municipalities').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function selectTownByName(db: Db, name: string): Promise<Town | undefined> {
  return db.selectFrom('municipalities').select(COLUMNS).where('name', '=', name).executeTakeFirst();
}

export async function insertTown(db: Db, v: TownValues): Promise<number> {
  const row = await db
    .insertInto('municipalities')
    .values({ name: v.name, lat: v.lat, lng: v.lng, postal_prefixes: v.postal_prefixes })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateTownRow(db: Db, id: number, v: TownValues): Promise<void> {
  await db
    .updateTable('municipalities')
    .set({ name: v.name, lat: v.lat, lng: v.lng, postal_prefixes: v.postal_prefixes })
    .where('id', '=', id)
    .execute();
}
