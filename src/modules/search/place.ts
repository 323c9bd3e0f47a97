/** Where a search stands: the point from coordinates, a town or a postal code, else the region's centre. */
import type { Database } from '../../db/database.ts';
import { ValidationError } from '../../lib/errors.ts';
import { fsaOf } from '../geocoding/index.ts';
import { fold } from './normalize.ts';
import type { Reference } from './reference.ts';
import { storesCentreByPostalPrefix } from './search.repository.ts';

/** A 400 on one query field, with the message key the pages and the API show. */
export function invalid(field: string, message: string, params?: Record<string, string | number>) {
  return new ValidationError([{ field, message, params }]);
}

/**
 * Where the search stands, and for delivery checks the town named (`town`) or the postal code or
 * prefix given (`postal`).
 */
export interface ResolvedPoint {
  lat: number;
  lng: number;
  source: 'coordinates' | 'near' | 'region';
  town?: string;
  postal?: string;
}

/** A point for the search: explicit lat/lng, else the `near` town or postal code, else the region's centre. */
export async function resolvePoint(
  database: Database,
  ref: Reference,
  p: { lat?: number; lng?: number; near?: string },
): Promise<ResolvedPoint> {
  if (p.lat !== undefined && p.lng !== undefined) return { lat: p.lat, lng: p.lng, source: 'coordinates' };
  if ((p.lat === undefined) !== (p.lng === undefined)) throw invalid('lat', 'search.lat_lng_pair');
  const near = fold(p.near ?? '').trim();
  if (near) {
    const exact = ref.municipalities.find((m) => m.folded === near);
    const starts = exact ?? ref.municipalities.find((m) => m.folded.startsWith(near));
    if (starts) return { lat: starts.lat, lng: starts.lng, source: 'near', town: starts.name };
    // A postal code, full ("J9H 5E1", "j9h5e1") or its FSA: the towns owning that FSA (their
    // centre), else the stores whose postal code starts with it.
    const fsa = fsaOf(p.near ?? '');
    const towns = fsa ? ref.municipalities.filter((m) => m.prefixes.includes(fsa)) : [];
    if (towns.length)
      return {
        lat: towns.reduce((a, m) => a + m.lat, 0) / towns.length,
        lng: towns.reduce((a, m) => a + m.lng, 0) / towns.length,
        source: 'near',
        postal: fsa,
      };
    const postal = fsa ?? near.replace(/\s+/g, '').toUpperCase();
    if (/^[A-Z]\d[A-Z]?\d?[A-Z]?\d?$/.test(postal)) {
      const centre = await storesCentreByPostalPrefix(database.db, postal);
      if (centre) return { ...centre, source: 'near', postal };
    }
  }
  // A place given but not found is 'region' too: callers tell it from no place by `near` (pages say so).
  return { ...ref.center, source: 'region' };
}
