/**
 * The background fetcher: claims due rows of the queue (a lease keeps several instances from
 * fetching the same URL twice), fetches and re-encodes each image like an upload, and adds it to
 * its product through the catalog.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { ValidationError } from '../../lib/errors.ts';
import { findProductById, type ProductImage, parseImages, setProductImages } from '../catalog/index.ts';
import { processProductImage } from '../common/images.ts';
import { type FetchLimits, fetchImage, ImageFetchError } from './fetch.ts';
import { anyFetchRunning, claimFetch, selectDueFetches, updateFetch } from './media.repository.ts';

/** Attempts before a transient failure becomes final. */
export const MAX_FETCH_ATTEMPTS = 4;
/** A claimed fetch is tried again if its worker has not finished within this lease. */
const LEASE_MS = 120_000;

/** Wait before attempt n+1: 1 min, 5 min, 25 min. */
export function fetchBackoffMs(attempts: number): number {
  return 60_000 * 5 ** Math.max(0, attempts - 1);
}

const UPLOAD_REASONS: Record<string, string> = {
  'backoffice.image_too_big': 'too_big',
  'backoffice.image_type': 'not_image',
  'backoffice.image_unreadable': 'unreadable',
  'backoffice.image_dimensions': 'dimensions',
  'field.required': 'not_image',
};

/** What one round of the worker did. */
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
  const due = await selectDueFetches(db, now, opts.limit ?? 20);
  const round: FetchRound = { done: 0, failed: 0, claimed: 0 };
  for (const f of due) {
    if (!(await claimFetch(db, f.id, now, new Date(Date.parse(now) + LEASE_MS).toISOString()))) continue;
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
        // Read and written in one transaction: a back-office edit of the images meanwhile is not lost.
        const p = await findProductById(trx, f.product_id);
        if (p) {
          const images = parseImages(p.images_json);
          if (!images.some((i) => i.url === stored.url)) {
            images.splice(Math.min(f.position, images.length), 0, stored);
            await setProductImages(trx, f.product_id, images, { at });
          }
        }
        await updateFetch(trx, f.id, {
          status: 'done',
          attempts,
          last_error: null,
          media_json: JSON.stringify(stored),
          updated_at: at,
        });
      });
    } else {
      const error = failure as ImageFetchError;
      round.failed++;
      const final = error.permanent || attempts >= MAX_FETCH_ATTEMPTS;
      await updateFetch(db, f.id, {
        status: final ? 'failed' : 'pending',
        attempts,
        last_error: error.message.slice(0, 200),
        next_attempt_at: new Date(Date.now() + fetchBackoffMs(attempts)).toISOString(),
        updated_at: at,
      });
    }
  }
  return round;
}

/** The running worker. */
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
      // The timer keeps running: a failed round (database unavailable...) is logged, the next one retries.
      .catch((err) => console.error('image fetch round failed', err))
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
        // `next` is awaited just below (its error reaches the caller); the chain only orders rounds.
        chain = next.catch(() => undefined);
        const r = await next;
        if (r.claimed === 0) {
          // Claimed by a round elsewhere (another instance) and not finished yet: wait for it.
          if (!(await anyFetchRunning(db))) return;
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
