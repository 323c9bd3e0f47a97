/**
 * Applies a checked import in one transaction: products upserted in bulk (catalog), stock levels
 * written (inventory), image fetches queued (media); then availability announced and search
 * re-indexed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { bulkUpsertProducts, linkImportedVariants } from '../catalog/index.ts';
import type { EventBus } from '../events/index.ts';
import { type AvailabilityChange, announceAvailability, levelsOf, writeLevels } from '../inventory/index.ts';
import { queueImageFetches } from '../media/index.ts';
import { indexProducts } from '../search/index.ts';
import { check, summary } from './check.ts';
import {
  type Checked,
  FormatError,
  ImportFormatError,
  type ImportInput,
  type ImportResult,
} from './types.ts';

/** Imports up to this many products are searchable when the response is sent; larger ones shortly after. */
export const SYNC_INDEX_MAX = 2000;
const pendingIndexing = new Set<Promise<void>>();

/** Resolves when the background search indexing of large imports has finished (tests, benchmarks, shutdown). */
export async function importIndexingIdle(): Promise<void> {
  while (pendingIndexing.size) await Promise.all([...pendingIndexing]);
}

/**
 * Validates and applies an import in one transaction. Without `partial`, any invalid row means
 * nothing is written (`applied: false`); with `partial: true` valid rows are written and invalid
 * ones reported. Products are upserted by SKU (scoped to the merchant); rows with `on_hand`
 * set the stock at `location_code` (or the merchant's only location). Availability changes are
 * announced (SSE, inventory.low webhooks) after the commit. Pass `database: ctx.database` so the
 * imported products are re-indexed for search (`indexProducts`): before returning for up to
 * SYNC_INDEX_MAX products, in the background for larger imports (see `importIndexingIdle`).
 */
export async function applyImport(
  db: Kysely<DB>,
  events: EventBus,
  merchantId: number,
  input: ImportInput,
  opts: {
    partial?: boolean;
    /** The open database (ctx.database): when given, imported products are re-indexed for search. */
    database?: Database;
  } = {},
): Promise<ImportResult> {
  let checked: Checked;
  try {
    checked = await check(db, merchantId, input);
  } catch (err) {
    if (err instanceof FormatError) throw new ImportFormatError(err.code, err.params);
    throw err;
  }
  const preview = summary(checked);
  if (preview.invalid > 0 && !opts.partial) return { ...preview, applied: false, created: 0, updated: 0 };
  const now = new Date().toISOString();
  const { changes, written } = await db.transaction().execute(async (trx) => {
    const ids = new Map<string, number>();
    for (const v of checked.valid) if (v.productId !== undefined) ids.set(v.sku, v.productId);
    const values = checked.valid.filter((v) => v.write).map(({ sku, values: p }) => ({ sku, ...p }));
    const written = values.map((v) => v.sku);
    for (const [sku, id] of await bulkUpsertProducts(trx, merchantId, values, now)) ids.set(sku, id);
    // Variants whose product row this import created: linked once that row has its id.
    const links = checked.valid.flatMap((v) => {
      const id = ids.get(v.sku);
      const parent_id = v.parentSku === undefined ? undefined : ids.get(v.parentSku);
      return v.write && id !== undefined && parent_id !== undefined ? [{ id, parent_id }] : [];
    });
    const regrouped = checked.valid.some(
      (v) => v.write && v.current?.parent_id === null && (v.values.parent_id !== null || !!v.parentSku),
    );
    await linkImportedVariants(trx, merchantId, links, regrouped);
    const stockRows = checked.valid.flatMap((v) => [
      ...(v.on_hand !== undefined && v.locationId !== undefined ? [v] : []),
      ...(v.stock ?? []).map((x) => ({ ...v, ...x })),
    ]);
    // Products created by this import have no stock yet: only existing ones are looked up.
    const levels = await levelsOf(
      trx,
      stockRows.filter((v) => v.productId !== undefined).map((v) => v.productId as number),
    );
    const writes: { product_id: number; location_id: number; on_hand: number }[] = [];
    const changes: AvailabilityChange[] = [];
    for (const v of stockRows) {
      const product_id = ids.get(v.sku) as number;
      const location_id = v.locationId as number;
      const cur = levels.get(`${product_id}:${location_id}`);
      const on_hand = v.on_hand as number;
      if (cur && cur.on_hand === on_hand) continue;
      writes.push({ product_id, location_id, on_hand });
      changes.push({
        product_id,
        sku: v.sku,
        location_id,
        merchant_id: merchantId,
        available: on_hand - (cur?.reserved ?? 0),
        previous: cur ? cur.on_hand - cur.reserved : 0,
      });
    }
    await writeLevels(trx, writes);
    await queueImageFetches(
      trx,
      merchantId,
      checked.valid.flatMap((v) =>
        v.images && ids.has(v.sku)
          ? [{ productId: ids.get(v.sku) as number, existing: v.productId !== undefined, ...v.images }]
          : [],
      ),
    );
    return { changes, written: written.map((s) => ids.get(s) as number) };
  });
  await announceAvailability(db, events, changes);
  if (opts.database && written.length) {
    const productIds = written;
    if (productIds.length <= SYNC_INDEX_MAX) await indexProducts(opts.database, productIds);
    else {
      // Large imports answer first; search catches up in the background (pages show the products at once).
      const job = indexProducts(opts.database, productIds)
        .catch((err) => console.error('search indexing after import failed', err))
        .finally(() => pendingIndexing.delete(job));
      pendingIndexing.add(job);
    }
  }
  let created = 0;
  let updated = 0;
  for (const r of preview.rows) {
    if (r.status === 'create') {
      r.status = 'created';
      created++;
    } else if (r.status === 'update') {
      r.status = 'updated';
      updated++;
    }
  }
  return { ...preview, applied: true, created, updated };
}
