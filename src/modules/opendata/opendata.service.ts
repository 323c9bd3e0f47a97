import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { isHttpUrl } from '../common/validation.ts';
import { approvedStores, associationSlugsOf, categorySlugsOf } from './opendata.repository.ts';

/**
 * Open data (read model: owns no table, reads those listed in src/db/ownership.ts).
 *
 * The public merchant directory as open data (docs/OPEN-DATA.md): approved merchants only, public
 * fields only (never e-mail, phone of the owner, tax numbers or NEQ). One record per store
 * location, so a merchant with two stores appears at both places.
 */
export interface DirectoryRecord {
  slug: string;
  name: string;
  location: string;
  address: string;
  municipality: string;
  postal_code: string | null;
  lat: number;
  lng: number;
  categories: string[];
  associations: string[];
  website: string | null;
  url: string;
}

/** The approved merchants' public fields, one record per store (optionally one association's active members). */
export async function merchantDirectory(
  db: Kysely<DB>,
  opts: { baseUrl?: string; association?: string } = {},
): Promise<DirectoryRecord[]> {
  const rows = await approvedStores(db, opts.association);
  const ids = [...new Set(rows.map((r) => r.id))];
  const [cats, assocs] = await Promise.all([categorySlugsOf(db, ids), associationSlugsOf(db, ids)]);
  const base = (opts.baseUrl ?? '').replace(/\/$/, '');
  return rows.map((r) => ({
    slug: r.slug,
    name: r.display_name,
    location: r.location,
    address: r.address_line,
    municipality: r.municipality,
    postal_code: r.postal_code,
    lat: r.lat,
    lng: r.lng,
    categories: cats.filter((c) => c.merchant_id === r.id).map((c) => c.slug),
    associations: assocs.filter((a) => a.merchant_id === r.id).map((a) => a.slug),
    // Rows saved before http(s) was enforced may hold `javascript:` or `data:` links: never published.
    website: isHttpUrl(r.website) ? r.website : null,
    url: `${base}/fr/m/${r.slug}`,
  }));
}

/** The directory as a GeoJSON FeatureCollection (RFC 7946), one point per store. */
export function toGeoJson(records: DirectoryRecord[]) {
  return {
    type: 'FeatureCollection' as const,
    features: records.map((r) => ({
      type: 'Feature' as const,
      geometry: { type: 'Point' as const, coordinates: [r.lng, r.lat] },
      properties: {
        slug: r.slug,
        name: r.name,
        location: r.location,
        address: r.address,
        municipality: r.municipality,
        postal_code: r.postal_code,
        categories: r.categories,
        associations: r.associations,
        website: r.website,
        url: r.url,
      },
    })),
  };
}

/**
 * A spreadsheet opens a cell starting with = + - @ (or a tab/carriage return) as a formula: such
 * cells get a leading apostrophe (OWASP "CSV injection"). Numbers (lat/lng) are written as numbers.
 */
export function safeCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** The open-data CSV's columns, in order. */
export const CSV_COLUMNS = [
  'slug',
  'name',
  'location',
  'address',
  'municipality',
  'postal_code',
  'lat',
  'lng',
  'categories',
  'associations',
  'website',
  'url',
] as const;

/** The directory as CSV (RFC 4180), header row first, formula-injection safe. */
export function toCsv(records: DirectoryRecord[]): string {
  const rows = records.map((r) => [
    safeCell(r.slug),
    safeCell(r.name),
    safeCell(r.location),
    safeCell(r.address),
    safeCell(r.municipality),
    safeCell(r.postal_code),
    String(r.lat),
    String(r.lng),
    safeCell(r.categories.join(';')),
    safeCell(r.associations.join(';')),
    safeCell(r.website),
    safeCell(r.url),
  ]);
  return stringify([[...CSV_COLUMNS], ...rows], { record_delimiter: '\r\n' });
}
