/**
 * SQL of the text index stored in PostgreSQL (migration 074; text-index-pg.worker.ts): the stored
 * index's bytes and the snapshot it was built at, the change log since that snapshot, and the
 * advisory lock that lets one instance build at a time. PostgreSQL only.
 */
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

type Q = Kysely<DB> | Transaction<DB>;

/** Parts of this size: each read as one row (its hex text twice that) without a 100 MB string. */
export const STORED_PART_BYTES = 8 << 20;

/** The stored index's header row. */
export interface StoredTextIndex {
  indexId: string;
  /** The snapshot (pg_snapshot text) of the transaction that read the documents it was built from. */
  snapshot: string;
  parts: number;
  bytes: number;
}

/**
 * Takes the schema's text index lock on this connection (session level), waiting while another
 * instance holds it (builds or stores). The schema's name in the key: schemas on one database
 * (tests, benches) do not wait for each other.
 */
export async function lockTextIndexStore(db: Q): Promise<void> {
  await sql`select pg_advisory_lock(hashtext('comptoir.search_text_index.' || current_schema()))`.execute(db);
}

/** Releases the lock lockTextIndexStore took on this connection. */
export async function unlockTextIndexStore(db: Q): Promise<void> {
  await sql`select pg_advisory_unlock(hashtext('comptoir.search_text_index.' || current_schema()))`.execute(
    db,
  );
}

/** Whether the schema has the store (migration 074 applied: a bench or tool may open one without it). */
export async function textIndexStoreExists(db: Q): Promise<boolean> {
  const r = await sql<{
    ok: boolean;
  }>`select to_regclass('search_text_index_stored') is not null as ok`.execute(db);
  return r.rows[0]?.ok === true;
}

/** Forgets the stored index (the next instance builds and stores it again; benches). */
export async function clearStoredTextIndex(db: Q): Promise<void> {
  await sql`delete from search_text_index_stored`.execute(db);
  await sql`delete from search_text_index_parts`.execute(db);
}

/** The stored index's header, if any. */
export async function storedTextIndex(db: Q): Promise<StoredTextIndex | undefined> {
  const r = await sql<{ index_id: string; snapshot: string; parts: number; bytes: string }>`
    select index_id, snapshot::text as snapshot, parts, bytes from search_text_index_stored where id = 1`.execute(
    db,
  );
  const row = r.rows[0];
  return row
    ? { indexId: row.index_id, snapshot: row.snapshot, parts: Number(row.parts), bytes: Number(row.bytes) }
    : undefined;
}

/**
 * The products whose document changed in a transaction the snapshot did not see (committed
 * after it, or running then), as the log holds them now; undefined when "everything changed"
 * (a full rebuild, a large statement) or more than `max` did (the index is built again).
 */
export async function textChangesSince(db: Q, snapshot: string, max: number): Promise<number[] | undefined> {
  const r = await sql<{ product_id: number }>`select distinct product_id from search_text_changes
    where xid >= pg_snapshot_xmin(${snapshot}::pg_snapshot)
      and not pg_visible_in_snapshot(xid, ${snapshot}::pg_snapshot)
    limit ${max + 1}`.execute(db);
  const ids = r.rows.map((x) => Number(x.product_id));
  if (ids.length > max || ids.includes(0)) return undefined;
  return ids;
}

/** One part of the stored index (undefined: replaced meanwhile, or missing). */
export async function storedTextIndexPart(db: Q, indexId: string, part: number): Promise<Buffer | undefined> {
  const r = await sql<{ bytes: Buffer }>`select bytes from search_text_index_parts
    where index_id = ${indexId} and part = ${part}`.execute(db);
  return r.rows[0]?.bytes;
}

/**
 * The current snapshot (pg_snapshot text): the first statement of a repeatable-read transaction,
 * it names exactly the transactions whose writes every later read of that transaction sees.
 */
export async function currentSnapshot(db: Q): Promise<string> {
  const r = await sql<{ snapshot: string }>`select pg_current_snapshot()::text as snapshot`.execute(db);
  return r.rows[0]!.snapshot;
}

/**
 * Replaces the stored index in one transaction (a reader sees the old one or the new one), and
 * empties the log of what it has seen: the changes of transactions its snapshot sees (the only
 * readers of the log, under the same lock, read it for this index from now on). Parts of at
 * most STORED_PART_BYTES.
 */
export async function storeTextIndex(
  db: Kysely<DB>,
  stored: { indexId: string; snapshot: string },
  bytes: Uint8Array,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`delete from search_text_index_parts`.execute(tx);
    let parts = 0;
    for (let at = 0; at < bytes.length; at += STORED_PART_BYTES) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + STORED_PART_BYTES));
      // A Buffer is sent as binary (bytea), not as text.
      const value = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      await sql`insert into search_text_index_parts (index_id, part, bytes)
        values (${stored.indexId}, ${parts++}, ${value})`.execute(tx);
    }
    await sql`insert into search_text_index_stored (id, index_id, snapshot, parts, bytes, stored_at)
      values (1, ${stored.indexId}, ${stored.snapshot}::pg_snapshot, ${parts}, ${bytes.length}, now())
      on conflict (id) do update set index_id = excluded.index_id, snapshot = excluded.snapshot,
        parts = excluded.parts, bytes = excluded.bytes, stored_at = excluded.stored_at`.execute(tx);
    await sql`delete from search_text_changes
      where xid < pg_snapshot_xmax(${stored.snapshot}::pg_snapshot)
        and pg_visible_in_snapshot(xid, ${stored.snapshot}::pg_snapshot)`.execute(tx);
  });
}
