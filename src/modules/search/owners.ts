import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';

/**
 * product id → merchant id for every indexed product, in memory (4 bytes a product: 4 MB for a
 * million). A product never changes merchant, so the map cannot go stale; products indexed by
 * another instance after the load are simply unknown (0) and looked up in the database.
 */
interface Owners {
  arr: Int32Array;
}
const maps = new WeakMap<Database, Promise<Owners>>();

async function load(database: Database): Promise<Owners> {
  const max = await sql<{ n: number | null }>`select max(product_id) as n from search_documents`.execute(
    database.db,
  );
  const owners = { arr: new Int32Array(Math.max(1024, Number(max.rows[0]?.n ?? 0) + 1024)) };
  let last = 0;
  for (;;) {
    const r = await sql<{ product_id: number; merchant_id: number }>`select product_id, merchant_id
      from search_documents where product_id > ${last} order by product_id limit 100000`.execute(database.db);
    if (r.rows.length === 0) break;
    for (const row of r.rows) set(owners, Number(row.product_id), Number(row.merchant_id));
    last = Number(r.rows[r.rows.length - 1]!.product_id);
  }
  return owners;
}

function set(owners: Owners, productId: number, merchantId: number) {
  if (productId >= owners.arr.length) {
    const grown = new Int32Array(Math.max(productId + 1024, owners.arr.length * 2));
    grown.set(owners.arr);
    owners.arr = grown;
  }
  owners.arr[productId] = merchantId;
}

export function ownersOf(database: Database): Promise<Owners> {
  let p = maps.get(database);
  if (!p) {
    p = load(database);
    maps.set(database, p);
    p.catch(() => maps.delete(database));
  }
  return p;
}

/** Called by the indexer: keeps a loaded map in step with this instance's writes. */
export async function rememberOwners(
  database: Database,
  docs: { product_id: number; merchant_id: number }[],
) {
  const p = maps.get(database);
  if (!p) return;
  const owners = await p;
  for (const d of docs) set(owners, d.product_id, d.merchant_id);
}

export function forgetOwners(database: Database) {
  maps.delete(database);
}

/** Merchant of each product id: from memory, the database for the few unknown ones. */
export async function merchantsOf(database: Database, ids: number[]): Promise<Map<number, number>> {
  const owners = await ownersOf(database);
  const out = new Map<number, number>();
  const unknown: number[] = [];
  for (const id of ids) {
    const m = id < owners.arr.length ? owners.arr[id]! : 0;
    if (m) out.set(id, m);
    else unknown.push(id);
  }
  for (let i = 0; i < unknown.length; i += 5000) {
    const chunk = unknown.slice(i, i + 5000);
    const r = await sql<{
      product_id: number;
      merchant_id: number;
    }>`select product_id, merchant_id from search_documents
      where product_id in (${sql.join(chunk)})`.execute(database.db);
    for (const row of r.rows) {
      out.set(Number(row.product_id), Number(row.merchant_id));
      set(owners, Number(row.product_id), Number(row.merchant_id));
    }
  }
  return out;
}
