import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type Sharp from 'sharp';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import { MAX_IMAGE_BYTES, sniffImage } from '../common/images.ts';
import { zodIssues } from '../common/validation.ts';
import { type RegionRow, readRegionRow, writeRegionRow } from './region.repository.ts';
import { type RegionPatch, type RegionSettings, regionSettingsSchema } from './region.schemas.ts';

/** sharp (libvips) is loaded with the first image, not by every server start (≈ 0.16 s of CPU; issue 19). */
const loadSharp = async (): Promise<typeof Sharp> => (await import('sharp')).default;

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

/** The stored row plus its parsed bounds. */
export interface Region extends RegionRow {
  bounds: Bounds | null;
}

/**
 * What a database nobody configured yet serves: a neutral name and no tagline. A map and a search
 * need some point, so the centre falls back to the one below until an operator sets the region.
 */
export const DEFAULT_REGION_ROW: RegionRow = {
  id: 1,
  slug: 'region',
  name: 'Comptoir',
  name_en: '',
  tagline_fr: '',
  tagline_en: '',
  welcome_fr: '',
  welcome_en: '',
  center_lat: 45.5017,
  center_lng: -73.5673,
  bounds_json: 'null',
  primary_color: '#1d4f91',
  accent_color: '#b3261e',
  timezone: 'America/Toronto',
  default_radius_km: 25,
  logo_path: '',
  contact_email: '',
  contact_phone: '',
  contact_address: '',
  terms_fr: '',
  terms_en: '',
  privacy_fr: '',
  privacy_en: '',
  platform_tax_collection: 'none',
  platform_legal_name: '',
  platform_gst_number: '',
  platform_qst_number: '',
  platform_fee_bps: null,
  updated_at: new Date(0).toISOString(),
};

/** Reads `bounds_json`: `{south, west, north, east}`, or the older `{minLat, maxLat, minLng, maxLng}`. */
function parseBounds(json: string): Bounds | null {
  try {
    const b = JSON.parse(json) as Record<string, unknown> | null;
    if (!b || typeof b !== 'object') return null;
    const n = (k: string) => Number(b[k]);
    if ('south' in b) return { south: n('south'), west: n('west'), north: n('north'), east: n('east') };
    if ('minLat' in b)
      return { south: n('minLat'), west: n('minLng'), north: n('maxLat'), east: n('maxLng') };
  } catch {
    // A malformed value reads as "no bounds" rather than breaking every page.
  }
  return null;
}

/** Stored in the shape the demo seed and older rows use (`{minLat, maxLat, minLng, maxLng}`). */
function boundsJson(b: Bounds | null): string {
  return JSON.stringify(b ? { minLat: b.south, maxLat: b.north, minLng: b.west, maxLng: b.east } : null);
}

function toRegion(row: RegionRow | undefined): Region {
  const r = row ?? DEFAULT_REGION_ROW;
  return {
    ...r,
    center_lat: Number(r.center_lat),
    center_lng: Number(r.center_lng),
    default_radius_km: Number(r.default_radius_km),
    bounds: parseBounds(r.bounds_json),
  };
}

/**
 * In-memory cache per database handle. Updates through `setRegion` on this process clear it at
 * once; another instance (or the CLI in its own process) is seen within REGION_TTL_MS.
 */
export const REGION_TTL_MS = 10_000;
const cache = new WeakMap<object, { at: number; value: Promise<Region> }>();
const generations = new WeakMap<object, number>();

export function getRegion(db: Kysely<DB>): Promise<Region> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < REGION_TTL_MS) return hit.value;
  const value = readRegionRow(db).then(toRegion);
  cache.set(db, { at: Date.now(), value });
  // The caller gets the rejection; the failed read is only not kept, so the next call reads again.
  value.catch(() => cache.delete(db));
  return value;
}

/** Reads the settings from the database, bypassing the cache. */
export async function loadRegion(db: Kysely<DB>): Promise<Region> {
  return toRegion(await readRegionRow(db));
}

/** Forgets the cached settings (after a write by another path, e.g. a test fixture). */
export function clearRegionCache(db: Kysely<DB>): void {
  cache.delete(db);
  generations.set(db, (generations.get(db) ?? 0) + 1);
}

/** Grows at every change made by this process: caches derived from the region compare it. */
export function regionGeneration(db: Kysely<DB>): number {
  return generations.get(db) ?? 0;
}

function settingsOf(r: Region): RegionSettings {
  return {
    name: r.name,
    name_en: r.name_en,
    tagline_fr: r.tagline_fr,
    tagline_en: r.tagline_en,
    centre: { lat: r.center_lat, lng: r.center_lng },
    bounds: r.bounds,
    timezone: r.timezone,
    default_radius_km: r.default_radius_km,
    primary_color: r.primary_color,
    accent_color: r.accent_color,
    contact_email: r.contact_email,
    contact_phone: r.contact_phone,
    contact_address: r.contact_address,
    terms_fr: r.terms_fr,
    terms_en: r.terms_en,
    privacy_fr: r.privacy_fr,
    privacy_en: r.privacy_en,
    welcome_fr: r.welcome_fr,
    welcome_en: r.welcome_en,
    platform_tax_collection: r.platform_tax_collection as RegionSettings['platform_tax_collection'],
    platform_legal_name: r.platform_legal_name,
    platform_gst_number: r.platform_gst_number,
    platform_qst_number: r.platform_qst_number,
    platform_fee_percent: r.platform_fee_bps === null ? null : r.platform_fee_bps / 100,
  };
}

/**
 * Creates or updates the region: the change is merged into the current settings (or the
 * defaults), the result validated as a whole, then written in one statement. Any invalid field
 * throws a ValidationError naming it, and nothing is written.
 */
export async function setRegion(
  db: Kysely<DB>,
  patch: RegionPatch,
  opts: { slug?: string; logo?: { data: Buffer; dataDir: string } } = {},
): Promise<Region> {
  const current = await loadRegion(db);
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const parsed = regionSettingsSchema.safeParse({ ...settingsOf(current), ...defined });
  const issues = parsed.success ? [] : zodIssues(parsed.error);
  // The logo is checked with the other fields (one answer lists every problem) and written only
  // when everything is valid, so a refused form leaves neither a row change nor a stray file.
  let logo: EncodedLogo | undefined;
  if (opts.logo) {
    try {
      logo = await encodeRegionLogo(opts.logo.data);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (!parsed.success || issues.length) throw new ValidationError(issues);
  const s = parsed.data;
  const logo_path = logo && opts.logo ? storeRegionLogo(logo, opts.logo.dataDir) : current.logo_path;
  const centre = s.centre as { lat: number; lng: number };
  await writeRegionRow(db, {
    slug: opts.slug ?? current.slug,
    name: s.name,
    name_en: s.name_en,
    tagline_fr: s.tagline_fr,
    tagline_en: s.tagline_en,
    welcome_fr: s.welcome_fr,
    welcome_en: s.welcome_en,
    center_lat: centre.lat,
    center_lng: centre.lng,
    bounds_json: boundsJson(s.bounds as Bounds | null),
    // Canonical spelling ("america/toronto" → "America/Toronto") so every formatter agrees.
    timezone: new Intl.DateTimeFormat('en', { timeZone: s.timezone }).resolvedOptions().timeZone,
    default_radius_km: s.default_radius_km,
    primary_color: s.primary_color,
    accent_color: s.accent_color,
    logo_path,
    contact_email: s.contact_email,
    contact_phone: s.contact_phone,
    contact_address: s.contact_address,
    terms_fr: s.terms_fr,
    terms_en: s.terms_en,
    privacy_fr: s.privacy_fr,
    privacy_en: s.privacy_en,
    platform_tax_collection: s.platform_tax_collection,
    platform_legal_name: s.platform_legal_name,
    platform_gst_number: s.platform_gst_number,
    platform_qst_number: s.platform_qst_number,
    platform_fee_bps: s.platform_fee_percent === null ? null : Math.round(s.platform_fee_percent * 100),
  });
  clearRegionCache(db);
  return getRegion(db);
}

export const LOGO_MIN_SIDE = 32;
export const LOGO_MAX_SIDE = 8000;

interface EncodedLogo {
  name: string;
  data: Buffer;
}

/**
 * Checks an uploaded logo (magic bytes, size, dimensions) and re-encodes it with sharp to WebP,
 * at most 512 × 256 px (metadata dropped), named by a hash of its content.
 */
async function encodeRegionLogo(buf: Buffer): Promise<EncodedLogo> {
  const field = 'logo';
  if (buf.length > MAX_IMAGE_BYTES)
    throw new ValidationError([{ field, message: 'region.logo_too_big', params: { maximum: 8 } }]);
  if (!sniffImage(buf)) throw new ValidationError([{ field, message: 'region.logo_type' }]);
  const limitInputPixels = LOGO_MAX_SIDE * LOGO_MAX_SIDE;
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<typeof Sharp>['metadata']>>;
  try {
    meta = await sharp(buf, { limitInputPixels }).metadata();
  } catch {
    // Not a readable image: the uploader's error (a 400), not the server's.
    throw new ValidationError([{ field, message: 'region.logo_type' }]);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w < LOGO_MIN_SIDE || h < LOGO_MIN_SIDE || w > LOGO_MAX_SIDE || h > LOGO_MAX_SIDE)
    throw new ValidationError([
      {
        field,
        message: 'region.logo_dimensions',
        params: { minimum: LOGO_MIN_SIDE, maximum: LOGO_MAX_SIDE },
      },
    ]);
  let data: Buffer;
  try {
    data = await sharp(buf, { limitInputPixels })
      .rotate()
      .resize({ width: 512, height: 256, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 90 })
      .toBuffer();
  } catch {
    // Decoding the pixels is what finds corrupt data: still the uploader's error.
    throw new ValidationError([{ field, message: 'region.logo_type' }]);
  }
  return { name: `${createHash('sha256').update(data).digest('hex').slice(0, 24)}.webp`, data };
}

/** Writes the logo under DATA_DIR/media/region/ (served at /media/region/…); returns its path. */
function storeRegionLogo(logo: EncodedLogo, dataDir: string): string {
  const dir = join(dataDir, 'media', 'region');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, logo.name), logo.data);
  return `/media/region/${logo.name}`;
}

/** The region's name in a language (the English name falls back to the French one). */
export function regionName(r: Pick<Region, 'name' | 'name_en'>, lang: Lang): string {
  return lang === 'en' && r.name_en ? r.name_en : r.name;
}

/** The tagline in a language (English falls back to French). */
export function regionTagline(r: Pick<Region, 'tagline_fr' | 'tagline_en'>, lang: Lang): string {
  return lang === 'en' && r.tagline_en ? r.tagline_en : r.tagline_fr;
}

/** A legal page's text in a language, and the language it is actually written in. */
export function legalText(r: Region, page: 'terms' | 'privacy', lang: Lang): { text: string; lang: Lang } {
  const en = r[`${page}_en`];
  if (lang === 'en' && en) return { text: en, lang: 'en' };
  return { text: r[`${page}_fr`], lang: 'fr' };
}

/** The public view of the region, as `GET /api/v1/region` returns it. */
export function publicRegion(r: Region) {
  return {
    name: r.name,
    name_en: r.name_en || r.name,
    tagline: r.tagline_fr,
    tagline_en: r.tagline_en || undefined,
    centre: { lat: r.center_lat, lng: r.center_lng },
    bounds: r.bounds,
    timezone: r.timezone,
    default_radius_km: r.default_radius_km,
    logo_url: r.logo_path || undefined,
    colours: { primary: r.primary_color, accent: r.accent_color },
    contact:
      r.contact_email || r.contact_phone || r.contact_address
        ? {
            email: r.contact_email || undefined,
            phone: r.contact_phone || undefined,
            address: r.contact_address || undefined,
          }
        : undefined,
  };
}
export type PublicRegion = ReturnType<typeof publicRegion>;

/** `#rrggbb` darkened by a factor (0..1), for hover states derived from a brand colour. */
function darken(hex: string, factor: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const c = (shift: number) =>
    Math.round(((n >> shift) & 255) * factor)
      .toString(16)
      .padStart(2, '0');
  return `#${c(16)}${c(8)}${c(0)}`;
}

/**
 * CSS custom properties carrying the brand colours, for the layout's root element (app.css reads
 * them with fallbacks). Values were validated as `#rrggbb` on the way in; anything else is dropped.
 */
export function brandStyle(r: Pick<Region, 'primary_color' | 'accent_color'>): string {
  const hex = /^#[0-9a-fA-F]{6}$/;
  const out: string[] = [];
  if (hex.test(r.primary_color))
    out.push(
      `--brand:${r.primary_color}`,
      `--action:${r.primary_color}`,
      `--brand-dark:${darken(r.primary_color, 0.72)}`,
    );
  if (hex.test(r.accent_color)) out.push(`--accent:${r.accent_color}`);
  return out.join(';');
}
