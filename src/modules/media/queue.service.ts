/**
 * Imported image URLs: which are already ours (fetched before), which to fetch, and the queue rows
 * written in the import's transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ProductImage } from '../catalog/index.ts';
import { deleteUnfinishedFetchesOf, selectDoneFetches, upsertFetches } from './media.repository.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The key of one product's source URL. */
export const fetchKey = (productId: number, url: string) => `${productId}\n${url}`;

/** Source URL → stored image for the given products (fetches that succeeded). */
export async function knownImages(db: Db, productIds: number[]): Promise<Map<string, ProductImage>> {
  const out = new Map<string, ProductImage>();
  for (const r of await selectDoneFetches(db, productIds))
    if (r.media_json) out.set(fetchKey(r.product_id, r.source_url), JSON.parse(r.media_json));
  return out;
}

/** An image URL to fetch and its place in the product's list. */
export interface PendingImage {
  url: string;
  position: number;
}

/**
 * An imported row's image URLs → the images to store now (ours: already fetched ones, still in
 * the product's list) and the URLs to fetch. A URL fetched before but since removed from the
 * product (back-office deletion) is fetched again.
 */
export function resolveImportedImages(
  known: Map<string, ProductImage>,
  productId: number | undefined,
  urls: string[],
  current: ProductImage[],
): { urls: string[]; pending: PendingImage[] } {
  const kept: string[] = [];
  const pending: PendingImage[] = [];
  urls.forEach((url, position) => {
    const media = productId === undefined ? undefined : known.get(fetchKey(productId, url));
    if (media && current.some((i) => i.url === media.url)) kept.push(media.url);
    else pending.push({ url, position });
  });
  return { urls: kept, pending };
}

/**
 * What an import row's image columns become: URLs already fetched for this product are replaced by
 * our stored image; the others are left out (never a foreign link) and returned in `fetch` to be
 * queued. `image_url` replaces the first image, as it always did: until its fetch ends the product
 * keeps its other images only. `fetch` is undefined when the row says nothing about images.
 */
export function importedImageChanges<T extends { image_url?: string | null; images?: string[] }>(
  known: Map<string, ProductImage>,
  productId: number | undefined,
  current: ProductImage[],
  d: T,
): { changes: T; fetch?: { urls: string[]; pending: PendingImage[] } } {
  if (d.images !== undefined) {
    const r = resolveImportedImages(known, productId, d.images, current);
    return { changes: { ...d, images: r.urls }, fetch: { urls: d.images, pending: r.pending } };
  }
  if (d.image_url === null) return { changes: d, fetch: { urls: [], pending: [] } };
  if (d.image_url === undefined) return { changes: d };
  const r = resolveImportedImages(known, productId, [d.image_url], current);
  if (r.urls.length)
    return { changes: { ...d, image_url: r.urls[0] }, fetch: { urls: [d.image_url], pending: [] } };
  const { image_url: _u, ...rest } = d;
  return {
    changes: { ...rest, images: current.slice(1).map((i) => i.url) } as T,
    fetch: { urls: [d.image_url], pending: r.pending },
  };
}

/**
 * Queues the fetches of imported rows (in the import's transaction). `urls` is every image URL the
 * row gave: for an existing product, fetches of other URLs that are not done are dropped (the file
 * no longer asks for them); a failed or forgotten URL asked again is tried afresh, one waiting or
 * under way is left alone.
 */
export async function queueImageFetches(
  db: Db,
  merchantId: number,
  list: { productId: number; existing: boolean; urls: string[]; pending: PendingImage[] }[],
): Promise<number> {
  const now = new Date().toISOString();
  await deleteUnfinishedFetchesOf(
    db,
    merchantId,
    list.filter((item) => item.existing).map((item) => ({ productId: item.productId, keepUrls: item.urls })),
  );
  // One row per (product, URL): a product repeated for another store must not queue it twice in
  // one statement (PostgreSQL refuses an upsert touching a row twice).
  const seen = new Set<string>();
  const rows = list.flatMap((item) =>
    item.pending
      .filter(
        (p) => !seen.has(fetchKey(item.productId, p.url)) && !!seen.add(fetchKey(item.productId, p.url)),
      )
      .map((p) => ({
        merchant_id: merchantId,
        product_id: item.productId,
        source_url: p.url,
        position: p.position,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })),
  );
  await upsertFetches(db, rows, now);
  return rows.length;
}
