/**
 * Product images given by URL (catalogue imports): never shown as links to the other site (the
 * pages' Content-Security-Policy allows our own images only, and a foreign host would see every
 * visitor). Each URL is fetched once in the background, checked and re-encoded like an upload
 * (`processProductImage`: WebP under /media/), then put in the product's images.
 *
 *   // in the import's transaction: which URLs are already ours, which must be fetched
 *   const known = await knownImages(trx, productIds);
 *   const { images, pending } = resolveImportedImages(known, productId, urls, currentImages);
 *   await queueImageFetches(trx, merchantId, [{ productId, urls, pending }]);
 *   // the platform runs the worker (startImageFetchWorker); tests await worker.drain()
 *
 * The queue is the `image_fetches` table (migration 025): a restart resumes pending fetches, a
 * claim with a lease keeps several instances from fetching the same URL twice, transient failures
 * (time-out, network, 5xx) are retried with backoff, and the row remembers source URL → stored
 * image, so re-importing the same file fetches nothing.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Lang, t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import { processProductImage } from '../backoffice/images.ts';
import { type ProductImage, parseImages } from '../catalog/index.ts';
import { type FetchLimits, fetchImage, ImageFetchError } from './fetch.ts';
import './media.tables.ts';

export { type FetchLimits, fetchImage, ImageFetchError } from './fetch.ts';

/** Attempts before a transient failure becomes final. */
export const MAX_FETCH_ATTEMPTS = 4;
/** A claimed fetch is tried again if its worker has not finished within this lease. */
const LEASE_MS = 120_000;

/** Wait before attempt n+1: 1 min, 5 min, 25 min. */
export function fetchBackoffMs(attempts: number): number {
  return 60_000 * 5 ** Math.max(0, attempts - 1);
}

const key = (productId: number, url: string) => `${productId}\n${url}`;

/** Source URL → stored image for the given products (fetches that succeeded). */
export async function knownImages(db: Kysely<DB>, productIds: number[]): Promise<Map<string, ProductImage>> {
  const out = new Map<string, ProductImage>();
  for (let i = 0; i < productIds.length; i += 500) {
    const ids = productIds.slice(i, i + 500);
    const rows = await db
      .selectFrom('image_fetches')
      .select(['product_id', 'source_url', 'media_json'])
      .where('status', '=', 'done')
      .where('product_id', 'in', ids)
      .execute();
    for (const r of rows)
      if (r.media_json) out.set(key(r.product_id, r.source_url), JSON.parse(r.media_json));
  }
  return out;
}

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
    const media = productId === undefined ? undefined : known.get(key(productId, url));
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
  db: Kysely<DB>,
  merchantId: number,
  list: { productId: number; existing: boolean; urls: string[]; pending: PendingImage[] }[],
): Promise<number> {
  const now = new Date().toISOString();
  for (const item of list) {
    if (!item.existing) continue;
    let drop = db
      .deleteFrom('image_fetches')
      .where('product_id', '=', item.productId)
      .where('merchant_id', '=', merchantId)
      .where('status', '!=', 'done');
    if (item.urls.length) drop = drop.where('source_url', 'not in', item.urls);
    await drop.execute();
  }
  // One row per (product, URL): a product repeated for another store must not queue it twice in
  // one statement (PostgreSQL refuses an upsert touching a row twice).
  const seen = new Set<string>();
  const rows = list.flatMap((item) =>
    item.pending
      .filter((p) => !seen.has(key(item.productId, p.url)) && !!seen.add(key(item.productId, p.url)))
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
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto('image_fetches')
      .values(rows.slice(i, i + 200))
      .onConflict((oc) =>
        oc
          .columns(['product_id', 'source_url'])
          .doUpdateSet((eb) => ({
            status: 'pending',
            attempts: 0,
            last_error: null,
            position: eb.ref('excluded.position'),
            next_attempt_at: now,
            updated_at: now,
          }))
          .where('image_fetches.status', 'in', ['done', 'failed']),
      )
      .execute();
  }
  return rows.length;
}

const UPLOAD_REASONS: Record<string, string> = {
  'backoffice.image_too_big': 'too_big',
  'backoffice.image_type': 'not_image',
  'backoffice.image_unreadable': 'unreadable',
  'backoffice.image_dimensions': 'dimensions',
  'field.required': 'not_image',
};

export interface FetchRound {
  done: number;
  failed: number;
  /** Claimed by this round (done + failed). */
  claimed: number;
}

/**
 * Fetches the images that are due (at most `limit`), one claim per row so that several workers
 * never fetch the same one twice; stores each as /media/ WebP and adds it to its product.
 */
export async function runImageFetchWorker(
  db: Kysely<DB>,
  opts: FetchLimits & { dataDir: string; limit?: number; now?: Date },
): Promise<FetchRound> {
  const now = (opts.now ?? new Date()).toISOString();
  const due = await db
    .selectFrom('image_fetches')
    .select(['id', 'merchant_id', 'product_id', 'source_url', 'position', 'attempts'])
    // 'fetching' past its lease: the worker that claimed it stopped mid-fetch.
    .where('status', 'in', ['pending', 'fetching'])
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(opts.limit ?? 20)
    .execute();
  const round: FetchRound = { done: 0, failed: 0, claimed: 0 };
  for (const f of due) {
    const claim = await db
      .updateTable('image_fetches')
      .set({ status: 'fetching', next_attempt_at: new Date(Date.parse(now) + LEASE_MS).toISOString() })
      .where('id', '=', f.id)
      .where('status', 'in', ['pending', 'fetching'])
      .where('next_attempt_at', '<=', now)
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) === 0) continue;
    round.claimed++;
    const attempts = f.attempts + 1;
    let failure: ImageFetchError | undefined;
    let image: ProductImage | undefined;
    try {
      const bytes = await fetchImage(f.source_url, opts);
      const stored = await processProductImage(bytes, { dataDir: opts.dataDir, merchantId: f.merchant_id });
      image = { url: stored.url, width: stored.width, height: stored.height };
    } catch (err) {
      if (err instanceof ImageFetchError) failure = err;
      else if (err instanceof ValidationError) {
        const k = err.issues[0]?.message ?? '';
        failure = new ImageFetchError(UPLOAD_REASONS[k] ?? 'unreadable', true);
      } else failure = new ImageFetchError('internal', false);
    }
    const at = new Date().toISOString();
    if (image) {
      const stored = image;
      round.done++;
      await db.transaction().execute(async (trx) => {
        const p = await trx
          .selectFrom('products')
          .select('images_json')
          .where('id', '=', f.product_id)
          .executeTakeFirst();
        if (p) {
          const images = parseImages(p.images_json);
          if (!images.some((i) => i.url === stored.url)) {
            images.splice(Math.min(f.position, images.length), 0, stored);
            await trx
              .updateTable('products')
              .set({ images_json: JSON.stringify(images), updated_at: at })
              .where('id', '=', f.product_id)
              .execute();
          }
        }
        await trx
          .updateTable('image_fetches')
          .set({
            status: 'done',
            attempts,
            last_error: null,
            media_json: JSON.stringify(stored),
            updated_at: at,
          })
          .where('id', '=', f.id)
          .execute();
      });
    } else {
      const error = failure as ImageFetchError;
      round.failed++;
      const final = error.permanent || attempts >= MAX_FETCH_ATTEMPTS;
      await db
        .updateTable('image_fetches')
        .set({
          status: final ? 'failed' : 'pending',
          attempts,
          last_error: error.message.slice(0, 200),
          next_attempt_at: new Date(Date.now() + fetchBackoffMs(attempts)).toISOString(),
          updated_at: at,
        })
        .where('id', '=', f.id)
        .execute();
    }
  }
  return round;
}

export interface ImageFetchWorker {
  /** Runs rounds until no fetch is due now (tests and shutdown await it; never a fixed sleep). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The platform's periodic worker (every `intervalMs`, 2 s by default). `limits()` is read at each
 * round, so the configuration in force applies.
 */
export function startImageFetchWorker(
  db: Kysely<DB>,
  opts: { dataDir: string; limits: () => FetchLimits; intervalMs?: number },
): ImageFetchWorker {
  let chain: Promise<unknown> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const round = () => runImageFetchWorker(db, { ...opts.limits(), dataDir: opts.dataDir });
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    chain = chain
      .then(round)
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, opts.intervalMs ?? 2000);
  timer.unref();
  return {
    async drain() {
      for (;;) {
        await chain;
        const next = round();
        chain = next.catch(() => {});
        const r = await next;
        if (r.claimed === 0) {
          // Claimed by a round elsewhere (another instance) and not finished yet: wait for it.
          const running = await db
            .selectFrom('image_fetches')
            .select('id')
            .where('status', '=', 'fetching')
            .limit(1)
            .executeTakeFirst();
          if (!running) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
    },
  };
}

export interface ImageFailure {
  product_id: number;
  sku: string;
  title_fr: string;
  source_url: string;
  /** Translated reason. */
  reason: string;
  /** True while retries remain. */
  retrying: boolean;
  updated_at: string;
}

/** The reason stored with a failure (`http_status:404`) in the reader's language. */
export function imageFailureReason(lang: Lang, stored: string): string {
  const [code, detail] = stored.split(':');
  const k = `image_fetch.reason.${code}`;
  const text = t(lang, k, { status: detail ?? '', detail: detail ?? '' });
  return text === k ? t(lang, 'image_fetch.reason.network', { detail: stored }) : text;
}

/** The merchant's products whose image could not be fetched (latest first). */
export async function listImageFailures(db: Kysely<DB>, merchantId: number, lang: Lang, limit = 100) {
  const rows = await db
    .selectFrom('image_fetches as f')
    .innerJoin('products as p', 'p.id', 'f.product_id')
    .select([
      'f.product_id',
      'p.sku',
      'p.title_fr',
      'f.source_url',
      'f.status',
      'f.last_error',
      'f.updated_at',
    ])
    .where('f.merchant_id', '=', merchantId)
    .where('p.merchant_id', '=', merchantId)
    .where('f.status', 'in', ['failed', 'pending'])
    .where('f.last_error', 'is not', null)
    .orderBy('f.updated_at', 'desc')
    .orderBy('f.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(
    (r): ImageFailure => ({
      product_id: r.product_id,
      sku: r.sku,
      title_fr: r.title_fr,
      source_url: r.source_url,
      reason: imageFailureReason(lang, r.last_error as string),
      retrying: r.status === 'pending',
      updated_at: r.updated_at,
    }),
  );
}
