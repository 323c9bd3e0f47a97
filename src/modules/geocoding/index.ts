/**
 * Postal addresses: Canadian postal codes (validation, normalisation, forward sortation area),
 * town-name folding for matching, and a pluggable geocoder for delivery radii. A customer never
 * types coordinates: eligibility comes from the town or the postal code, and only a store's
 * radius needs a point, asked of `GEOCODER_URL` (a Nominatim- or Photon-compatible
 * `/search?q=…&format=json`). Without a geocoder, radius-only delivery is simply not offered.
 */
import { z } from 'zod';

/** Canada Post: no D, F, I, O, Q, U; no W or Z as the first letter. */
const FIRST = 'ABCEGHJKLMNPRSTVXY';
const OTHER = 'ABCEGHJKLMNPRSTVWXYZ';
const POSTAL_RE = new RegExp(`^([${FIRST}]\\d[${OTHER}]) ?(\\d[${OTHER}]\\d)$`);
const FSA_RE = new RegExp(`^[${FIRST}]\\d[${OTHER}]$`);

/** "j9h5e1", "J9H 5E1", " j9h  5e1 " -> "J9H 5E1"; undefined when not a Canadian postal code. */
export function normalizePostalCode(raw: string): string | undefined {
  const m = POSTAL_RE.exec(raw.trim().toUpperCase().replace(/\s+/g, ' '));
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/** True for a forward sortation area (the first three characters of a postal code, e.g. J9H). */
export function isFsa(raw: string): boolean {
  return FSA_RE.test(raw.trim().toUpperCase());
}

/** The FSA of a full postal code or of an FSA alone ("J9H5E1" -> "J9H"); undefined otherwise. */
export function fsaOf(raw: string): string | undefined {
  const s = raw.trim().toUpperCase().replace(/\s+/g, '');
  if (s.length === 3) return FSA_RE.test(s) ? s : undefined;
  const full = normalizePostalCode(s);
  return full ? full.slice(0, 3) : undefined;
}

/** A postal code field: validated and normalised ("A1A 1A1"). */
export const postalCodeSchema = z
  .string()
  .trim()
  .max(10, 'address.postal_code_invalid')
  .refine((v) => normalizePostalCode(v) !== undefined, 'address.postal_code_invalid')
  .transform((v) => normalizePostalCode(v) as string);

/** A delivery address as a person types it (never coordinates). */
export const postalAddressSchema = z.object({
  line1: z.string().trim().min(3, 'address.line1_required').max(200),
  line2: z
    .string()
    .trim()
    .max(200)
    .optional()
    .nullable()
    .transform((v) => v || undefined),
  city: z.string().trim().min(2, 'address.city_required').max(100),
  postal_code: postalCodeSchema,
});
export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  /** Normalised "A1A 1A1". */
  postal_code: string;
}

/** One line for receipts and the geocoder: "12 rue X, app. 3, Gatineau QC J9H 5E1". */
export function addressText(a: PostalAddress): string {
  return [a.line1, a.line2, `${a.city} QC ${a.postal_code}`].filter(Boolean).join(', ');
}

/** A town name folded for comparison: case, accents, hyphens and "St-"/"Saint-" ignored. */
export function foldTown(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/\bste\b/g, 'sainte')
    .replace(/\bst\b/g, 'saint');
}

export interface Point {
  lat: number;
  lng: number;
}
/** Where a geocoder that does not answer is reported (the request's log fits). */
export interface GeocoderLog {
  warn?: (obj: unknown, msg: string) => void;
}
/**
 * Finds a point for an address, or undefined (unknown address, geocoder down or slow); `log`
 * receives why the geocoder could not answer.
 */
export type Geocoder = (address: PostalAddress, log?: GeocoderLog) => Promise<Point | undefined>;

const GEOCODER_TIMEOUT_MS = 4000;
const CACHE_MAX = 2000;

/**
 * A geocoder over HTTP: `${baseUrl}/search?q=<address>&format=json&limit=1`, reading a Nominatim
 * answer (`[{lat, lon}]`) or a Photon one (GeoJSON `features[].geometry.coordinates`). Answers are
 * cached in memory (the same address is quoted, then checked out). Failures are undefined, never
 * thrown: a radius zone is then not offered, town and postal-code zones still are.
 */
export function httpGeocoder(baseUrl: string): Geocoder {
  const cache = new Map<string, Point | undefined>();
  const base = baseUrl.replace(/\/+$/, '');
  return async (address, log) => {
    const q = addressText(address);
    if (cache.has(q)) return cache.get(q);
    let point: Point | undefined;
    try {
      const url = `${base}/search?q=${encodeURIComponent(q)}&format=json&limit=1&countrycodes=ca`;
      const res = await fetch(url, {
        headers: { accept: 'application/json', 'user-agent': 'comptoir-geocoder' },
        signal: AbortSignal.timeout(GEOCODER_TIMEOUT_MS),
      });
      if (!res.ok) {
        // Not cached: the next address tries again; the shopper just sees no radius zone meanwhile.
        log?.warn?.({ status: res.status }, 'geocoder answered an error: radius delivery zones not offered');
        return undefined;
      }
      point = pointOf(await res.json());
    } catch (err) {
      log?.warn?.({ err }, 'geocoder unreachable: radius delivery zones not offered');
      return undefined;
    }
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(q, point);
    return point;
  };
}

function pointOf(body: unknown): Point | undefined {
  const ok = (lat: number, lng: number) =>
    Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180
      ? { lat, lng }
      : undefined;
  if (Array.isArray(body) && body.length) {
    const r = body[0] as { lat?: unknown; lon?: unknown };
    return ok(Number(r.lat), Number(r.lon));
  }
  const f = (body as { features?: { geometry?: { coordinates?: unknown[] } }[] } | null)?.features?.[0];
  const c = f?.geometry?.coordinates;
  return Array.isArray(c) ? ok(Number(c[1]), Number(c[0])) : undefined;
}

const byUrl = new Map<string, Geocoder>();
/** The geocoder for a configuration (one per URL, so its cache is shared), or undefined without one. */
export function geocoderFor(config: { GEOCODER_URL?: string }): Geocoder | undefined {
  const url = config.GEOCODER_URL;
  if (!url) return undefined;
  let g = byUrl.get(url);
  if (!g) {
    g = httpGeocoder(url);
    byUrl.set(url, g);
  }
  return g;
}
