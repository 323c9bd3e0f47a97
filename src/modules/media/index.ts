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
import './media.tables.ts';

/** The merchant's failed image fetches (`listImageFailures`) and a stored reason translated. */
export { type ImageFailure, imageFailureReason, listImageFailures } from './failures.service.ts';
/** Fetching one image URL safely (public addresses only, size and time limits). */
export { type FetchLimits, fetchImage, ImageFetchError } from './fetch.ts';
/**
 * Imported image URLs: `knownImages` (already fetched), `resolveImportedImages` and
 * `importedImageChanges` (what a row's image columns become), `queueImageFetches` (import's transaction).
 */
export {
  importedImageChanges,
  knownImages,
  type PendingImage,
  queueImageFetches,
  resolveImportedImages,
} from './queue.service.ts';
/** The background fetcher: one round (`runImageFetchWorker`) or the platform's periodic worker. */
export {
  type FetchRound,
  fetchBackoffMs,
  type ImageFetchWorker,
  MAX_FETCH_ATTEMPTS,
  runImageFetchWorker,
  startImageFetchWorker,
} from './worker.service.ts';
