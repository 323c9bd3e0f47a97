/** What the back-office product pages share: route params, form values, the stock field errors. */
import { z } from 'zod';
import { type Lang, t } from '../../../i18n/index.ts';
import type { StockFieldError } from '../../../modules/backoffice/index.ts';
import type { FieldErrors } from '../forms.ts';

export const idParams = z.object({ id: z.coerce.number().int().positive() });
export const imgParams = z.object({
  id: z.coerce.number().int().positive(),
  index: z.coerce.number().int().min(0).max(50),
});

/** Form values as shown back in a form (posted, or read from a product). */
export type FormValues = Record<string, unknown>;
/** A form value as text ('' when absent). */
export const fieldText = (v: FormValues, k: string) =>
  v[k] === undefined || v[k] === null ? '' : String(v[k]);
/** Cents as the price field shows them. */
export const dollars = (cents: number) => (cents / 100).toFixed(2);
/** The product's title in the page's language (French when there is no English one). */
export const titleIn = (lang: Lang) => (p: { title_fr: string; title_en: string }) =>
  (lang === 'en' && p.title_en) || p.title_fr;

/** Stock form errors, translated, by field. */
export function stockErrors(lang: Lang, errors: readonly StockFieldError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) out[e.field] ??= t(lang, e.key, e.params);
  return out;
}
