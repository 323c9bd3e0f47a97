import { z } from 'zod';
import { MAX_PLATFORM_FEE_PERCENT } from '../../config.ts';
import { gstNumberSchema, qstNumberSchema } from '../merchants/index.ts';

/** Brand colours are used as text on white and as backgrounds under white text: WCAG AA for text. */
export const MIN_TEXT_CONTRAST = 4.5;

/** WCAG 2 relative luminance of `#rrggbb`. */
export function relativeLuminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const channel = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG contrast ratio between two `#rrggbb` colours (1..21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** True for an IANA zone the runtime knows (aliases such as `UTC` included). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    // Intl refuses an unknown zone by throwing: that is the answer.
    return false;
  }
}

/** `"45.40, -71.89"` → `{lat, lng}`; anything else is returned as is for the schema to refuse. */
function parseCentre(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) return v;
  return { lat: Number(parts[0]), lng: Number(parts[1]) };
}

/** `"S,W,N,E"` → `{south, west, north, east}`; empty → null (no bounds). */
function parseBounds(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (v.trim() === '') return null;
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length !== 4 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) return v;
  const [south, west, north, east] = parts.map(Number);
  return { south, west, north, east };
}

const lat = z.number({ error: 'region.lat_range' }).min(-90, 'region.lat_range').max(90, 'region.lat_range');
const lng = z
  .number({ error: 'region.lng_range' })
  .min(-180, 'region.lng_range')
  .max(180, 'region.lng_range');

export const centreSchema = z.preprocess(
  parseCentre,
  z.object({ lat, lng }, { error: 'region.centre_format' }),
);

export const boundsSchema = z.preprocess(
  parseBounds,
  z
    .object({ south: lat, west: lng, north: lat, east: lng }, { error: 'region.bounds_format' })
    .refine((b) => b.south < b.north && b.west < b.east, 'region.bounds_order')
    .nullable(),
);

const colour = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^#[0-9a-f]{6}$/, 'region.colour_format')
  .refine((c) => contrastRatio(c, '#ffffff') >= MIN_TEXT_CONTRAST, 'region.colour_contrast');

const text = (max: number) => z.string().trim().max(max);

/** The most a region may keep on a card-paid order, in percent (PLATFORM_FEE_PERCENT has the same bound). */
export { MAX_PLATFORM_FEE_PERCENT };

/**
 * The platform fee in percent: "2,5" or "2.5" (fr-CA decimal comma), 0 to 30 with at most two
 * decimals (a whole number of basis points); null = not set by the operator (the deployment's
 * PLATFORM_FEE_PERCENT applies).
 */
export const platformFeeSchema = z.preprocess(
  // '' is not "0": an emptied field is refused (NaN), not read as no fee.
  (v) => (typeof v === 'string' ? Number(v.trim().replace(',', '.').replace(/\s*%$/, '') || Number.NaN) : v),
  z
    .number({ error: 'region.platform_fee_invalid' })
    .min(0, 'region.platform_fee_invalid')
    .max(MAX_PLATFORM_FEE_PERCENT, 'region.platform_fee_invalid')
    .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'region.platform_fee_invalid')
    .nullable(),
);

/**
 * Every region setting, as stored. `setRegion` merges a partial change into the current settings
 * and validates the result with this schema, so cross-field rules (bounds contain the centre) see
 * the values that would be saved.
 */
export const regionSettingsSchema = z
  .object({
    name: text(80).min(1, 'field.required'),
    name_en: text(80),
    tagline_fr: text(200),
    tagline_en: text(200),
    centre: centreSchema,
    bounds: boundsSchema,
    timezone: z.string().trim().min(1, 'field.required').refine(isTimeZone, 'region.timezone_unknown'),
    default_radius_km: z.coerce
      .number({ error: 'region.radius_range' })
      .min(1, 'region.radius_range')
      .max(500, 'region.radius_range'),
    primary_color: colour,
    accent_color: colour,
    contact_email: z.union([z.literal(''), z.email('field.invalid_email')]),
    contact_phone: text(40),
    contact_address: text(300),
    terms_fr: text(50_000),
    terms_en: text(50_000),
    privacy_fr: text(50_000),
    privacy_en: text(50_000),
    welcome_fr: text(1000),
    welcome_en: text(1000),
    // Distribution platform operator for small suppliers (migration 008, decision record 0005).
    platform_tax_collection: z.enum(['none', 'qst', 'qst_gst'], {
      error: 'small_supplier.platform_collection_invalid',
    }),
    platform_legal_name: text(200),
    platform_gst_number: z.union([z.literal(''), gstNumberSchema]),
    platform_qst_number: z.union([z.literal(''), qstNumberSchema]),
    // Platform fee on card payments (issue 15), in percent with at most two decimals (basis points).
    platform_fee_percent: platformFeeSchema,
  })
  .superRefine((r, issue) => {
    // Receipts name the collecting operator's registration numbers: required once it collects.
    if (r.platform_tax_collection !== 'none' && !r.platform_qst_number)
      issue.addIssue({
        code: 'custom',
        path: ['platform_qst_number'],
        message: 'small_supplier.platform_numbers_required',
      });
    if (r.platform_tax_collection === 'qst_gst' && !r.platform_gst_number)
      issue.addIssue({
        code: 'custom',
        path: ['platform_gst_number'],
        message: 'small_supplier.platform_numbers_required',
      });
  })
  .superRefine((r, issue) => {
    const b = r.bounds as { south: number; west: number; north: number; east: number } | null;
    const c = r.centre as { lat: number; lng: number };
    // Only when both parsed: a centre already refused must not also blame the bounds.
    if (!centreSchema.safeParse(c).success || !boundsSchema.safeParse(b).success) return;
    if (b && !(c.lat >= b.south && c.lat <= b.north && c.lng >= b.west && c.lng <= b.east))
      issue.addIssue({ code: 'custom', path: ['bounds'], message: 'region.bounds_centre' });
  });

export type RegionSettings = z.output<typeof regionSettingsSchema>;
/** A change: any subset of the settings; centre and bounds may be given as "lat,lng" / "S,W,N,E". */
export type RegionPatch = { [K in keyof RegionSettings]?: unknown };

export const SETTING_KEYS = Object.keys(regionSettingsSchema.shape) as (keyof RegionSettings)[];

/** `GET /api/v1/region`: the region as the public sees it. */
export const publicRegionSchema = z
  .object({
    name: z.string().meta({ description: 'Name (French)', example: 'Comptoir Estrie' }),
    name_en: z.string().meta({ description: 'Name in English (the French name when none is set)' }),
    tagline: z.string().meta({ description: 'Home page tagline (French); empty when none' }),
    tagline_en: z.string().optional(),
    centre: z.object({ lat: z.number(), lng: z.number() }).meta({
      description: 'Map centre and default search point',
      example: { lat: 45.4, lng: -71.89 },
    }),
    bounds: z
      .object({ south: z.number(), west: z.number(), north: z.number(), east: z.number() })
      .nullable()
      .meta({ description: 'Bounding box of the region, or null when none is set' }),
    timezone: z.string().meta({ description: 'IANA time zone (opening hours)', example: 'America/Toronto' }),
    default_radius_km: z.number().meta({ description: 'Search radius used when none is given', example: 25 }),
    logo_url: z.string().optional().meta({ description: 'Path of the logo (WebP), when one is set' }),
    colours: z
      .object({ primary: z.string(), accent: z.string() })
      .optional()
      .meta({ description: 'Brand colours (#rrggbb), both at least 4.5:1 against white' }),
    contact: z
      .object({ email: z.string().optional(), phone: z.string().optional(), address: z.string().optional() })
      .optional(),
  })
  .meta({ title: 'Region', description: 'The region this deployment serves.' });
