import { z } from 'zod';

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'association.colour_invalid');

/** An association's identity on its showcase (the form's fields, as typed). */
export const showcaseInput = z.object({
  name: z.string().trim().min(2).max(120),
  short_name: z.string().trim().min(2).max(40),
  description_fr: z.string().trim().max(5000).default(''),
  description_en: z.string().trim().max(5000).default(''),
  primary_color: colour,
  accent_color: colour,
  logo_url: z
    .string()
    .trim()
    .max(500)
    // Same-origin paths only: the Content-Security-Policy (img-src 'self') would block other hosts.
    .regex(/^(\/(?!\/)\S*|)$/, 'association.image_path')
    .transform((s) => s || null)
    .nullable()
    .default(null),
  website: z
    .string()
    .trim()
    .max(500)
    .regex(/^(https?:\/\/|$)/, 'field.invalid')
    .transform((s) => s || null)
    .nullable()
    .default(null),
});

const slugRe = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** A coordinate typed in a form: a number (decimal point or comma) within [min, max]. */
const coordinate = (min: number, max: number, key: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : Number(v.trim().replace(',', '.'))) : v),
    z
      .number({ error: (i) => (i.input === undefined ? 'field.required' : key) })
      .refine((n) => Number.isFinite(n) && n >= min && n <= max, key),
  );

/** A new association: its identity, slug, the towns it covers and the map centre. */
export const associationInput = showcaseInput.extend({
  slug: z.string().trim().regex(slugRe, 'field.invalid').max(60),
  // The towns it covers: one per line or separated by commas.
  towns: z.preprocess(
    (v) =>
      (Array.isArray(v) ? v : String(v ?? '').split(/[\n,;]+/)).map((t) => String(t).trim()).filter(Boolean),
    z
      .array(z.string().min(2, 'membership.town_invalid').max(80, 'membership.town_invalid'))
      .min(1, 'membership.towns_required')
      .max(50, 'membership.towns_too_many')
      .transform((a) => [...new Set(a)]),
  ),
  center_lat: coordinate(-90, 90, 'membership.lat_range'),
  center_lng: coordinate(-180, 180, 'membership.lng_range'),
});
