/**
 * Reads of the public pages built on the search read model: the home page's showcase (stores near
 * the region's centre, Québec products in stock), the sitemap's entries and stores' contacts.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { boundingBox } from '../common/geo.ts';
import {
  activeProductPages,
  approvedLocationsInBox,
  approvedMerchantPages,
  newestQuebecProductsInStock,
  publicPageCounts,
  type StoreContact,
  storeContactRows,
} from './discovery.repository.ts';

export type { StoreContact } from './discovery.repository.ts';

/** Up to 400 locations of approved merchants within about `km` of a point (a lat/lng box). */
export function storesNear(db: Kysely<DB>, center: { lat: number; lng: number }, km: number) {
  return approvedLocationsInBox(db, boundingBox(center.lat, center.lng, km));
}

/** The `limit` newest active products with a Québec label and stock somewhere, of approved merchants. */
export function quebecProductsInStock(db: Kysely<DB>, limit: number) {
  return newestQuebecProductsInStock(db, limit);
}

/** Stores' fulfilment and contact details (and their merchant's) by location id. */
export async function storeContacts(
  db: Kysely<DB>,
  locationIds: number[],
): Promise<Map<number, StoreContact>> {
  if (!locationIds.length) return new Map<number, StoreContact>();
  const rows = await storeContactRows(db, locationIds);
  return new Map(rows.map((r) => [r.id, r]));
}

/** One public page for the sitemap. */
export interface SitemapEntry {
  /** Path without the language prefix, e.g. `/m/slug`; '' for home. */
  path: string;
  lastmod?: string;
}

/** Counts the public pages: approved merchants, their active products (home is one more). */
export function sitemapCounts(db: Kysely<DB>): Promise<{ merchants: number; products: number }> {
  return publicPageCounts(db);
}

/** Entries [offset, offset+limit) of the ordered list: home, merchants, products. */
export async function sitemapEntries(
  db: Kysely<DB>,
  offset: number,
  limit: number,
  c: { merchants: number },
): Promise<SitemapEntry[]> {
  const out: SitemapEntry[] = [];
  let skip = offset;
  if (skip === 0) out.push({ path: '' });
  else skip -= 1;
  if (out.length < limit && skip < c.merchants) {
    const rows = await approvedMerchantPages(db, skip, limit - out.length);
    for (const r of rows) out.push({ path: `/m/${r.slug}`, lastmod: r.updated_at });
    skip = 0;
  } else skip -= Math.min(skip, c.merchants);
  if (out.length < limit) {
    const rows = await activeProductPages(db, skip, limit - out.length);
    for (const r of rows) out.push({ path: `/p/${r.id}`, lastmod: r.updated_at });
  }
  return out;
}
