import { z } from 'zod';
import type { FieldIssue } from '../../lib/errors.ts';

/**
 * Turns zod issues into field issues carrying message keys. Schemas put a message key
 * (e.g. 'merchant.neq_invalid') as their custom message; generic issues get a generic key.
 */
export function zodIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i): FieldIssue => {
    const field = i.path.join('.') || '_';
    if (i.message && /^[a-z_]+\.[a-z_.]+$/.test(i.message)) return { field, message: i.message };
    switch (i.code) {
      case 'invalid_type':
        return { field, message: i.input === undefined ? 'field.required' : 'field.invalid_type' };
      case 'too_small':
        return {
          field,
          message: i.origin === 'string' ? 'field.too_short' : 'field.too_small',
          params: { minimum: Number(i.minimum) },
        };
      case 'too_big':
        return {
          field,
          message: i.origin === 'string' ? 'field.too_long' : 'field.too_big',
          params: { maximum: Number(i.maximum) },
        };
      case 'invalid_value':
        return { field, message: 'field.invalid_enum', params: { options: i.values.map(String).join(', ') } };
      case 'invalid_format':
        return {
          field,
          message:
            i.format === 'email'
              ? 'field.invalid_email'
              : i.format === 'url'
                ? 'field.invalid_url'
                : 'field.invalid',
        };
      case 'unrecognized_keys':
        return { field, message: 'field.unknown_key', params: { keys: i.keys.join(', ') } };
      default:
        return { field, message: 'field.invalid' };
    }
  });
}

// Characters no name or title needs: C0/C1 controls (tab, newline and NUL included) and the bidi
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make text display reversed
// ("Trojan Source"-style spoofing of a shop or product name).
const CONTROL = /\p{Cc}/u;
const BIDI_OVERRIDE = /[\u202A-\u202E\u2066-\u2069]/u;
// What prints nothing: spaces, format characters (zero-width space/joiners, LRM/RLM, soft hyphen,
// word joiner, BOM…) and the Hangul fillers that render blank.
const INVISIBLE = /[\s\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]|\u034F/gu;

/** Why a piece of human-readable text is refused (a message key), or undefined when it is fine. */
export function humanTextProblem(s: string): string | undefined {
  if (CONTROL.test(s)) return 'text.control_characters';
  if (BIDI_OVERRIDE.test(s)) return 'text.bidi_override';
  if (s.length > 0 && s.replace(INVISIBLE, '') === '') return 'text.invisible_only';
  return undefined;
}

/**
 * A single-line human-readable text (a name, a title): trimmed, `min`–`max` characters, without
 * control or bidi-override characters, and not made only of invisible characters. Use it wherever
 * people type a name others will read (merchants, products, customers, accounts).
 */
export function humanText(opts: { min?: number; max: number; tooShort?: string }) {
  const min = opts.min ?? 1;
  let s = z.string().trim().max(opts.max);
  if (min > 0) s = s.min(min, opts.tooShort);
  return s.superRefine((v, ctx) => {
    const problem = humanTextProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** An http(s) URL: `javascript:`, `data:`, `vbscript:`, `file:`… are refused (they would run or leak when clicked). */
export function httpUrl(opts: { max: number }) {
  return z.string().trim().max(opts.max).url().refine(isHttpUrl, { message: 'text.url_http_only' });
}

/** True for an absolute http:// or https:// URL (also used to filter old rows on output). */
export function isHttpUrl(v: string | null | undefined): v is string {
  if (!v) return false;
  try {
    const u = new URL(v.trim());
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    // Not parseable as a URL: the answer is simply "no".
    return false;
  }
}

/**
 * A quantity from JSON (an integer number, nothing else: `true`, `[1]`, `"0x10"` are refused) or from
 * a form (a string of decimal digits). Range checks stay with the caller.
 */
export const jsonInteger = z.number({ message: 'text.integer_required' }).int('text.integer_required');
export const formInteger = z
  .union(
    [
      z.number(),
      z
        .string()
        .trim()
        .regex(/^\d{1,9}$/),
    ],
    { message: 'text.integer_required' },
  )
  .transform((v) => Number(v))
  .pipe(z.number().int('text.integer_required'));
