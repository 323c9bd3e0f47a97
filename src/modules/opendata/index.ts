import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { isHttpUrl } from '../common/validation.ts';

/**
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

export async function merchantDirectory(
  db: Kysely<DB>,
  opts: { baseUrl?: string; association?: string } = {},
): Promise<DirectoryRecord[]> {
  let q = db
    .selectFrom('merchants as m')
    .innerJoin('locations as l', 'l.merchant_id', 'm.id')
    .select([
      'm.id',
      'm.slug',
      'm.display_name',
      'm.website',
      'l.name as location',
      'l.address_line',
      'l.municipality',
      'l.postal_code',
      'l.lat',
      'l.lng',
    ])
    .where('m.status', '=', 'approved')
    .orderBy('m.slug')
    .orderBy('l.id');
  if (opts.association) {
    const slug = opts.association;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('association_members as am')
          .innerJoin('associations as a', 'a.id', 'am.association_id')
          .select('am.merchant_id')
          .whereRef('am.merchant_id', '=', 'm.id')
          .where('a.slug', '=', slug)
          .where('am.status', '=', 'active'),
      ),
    );
  }
  const rows = await q.execute();
  const ids = [...new Set(rows.map((r) => r.id))];
  const [cats, assocs] = ids.length
    ? await Promise.all([
        db
          .selectFrom('merchant_categories as mc')
          .innerJoin('categories as c', 'c.id', 'mc.category_id')
          .select(['mc.merchant_id', 'c.slug'])
          .where('mc.merchant_id', 'in', ids)
          .orderBy('c.slug')
          .execute(),
        db
          .selectFrom('association_members as am')
          .innerJoin('associations as a', 'a.id', 'am.association_id')
          .select(['am.merchant_id', 'a.slug'])
          .where('am.merchant_id', 'in', ids)
          .where('am.status', '=', 'active')
          .orderBy('a.slug')
          .execute(),
      ])
    : [[], []];
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
