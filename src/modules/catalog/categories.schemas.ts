import { z } from 'zod';

const name = (key: string) => z.string().trim().min(1, key).max(80, 'categories.name_too_long');

/** Names of a category, both languages required (every text exists in fr and en). */
export const categoryNames = z.object({
  name_fr: name('categories.name_fr_required'),
  name_en: name('categories.name_en_required'),
});

/** A new category: names, and a slug derived from the French name when left empty. */
export const newCategory = categoryNames.extend({
  slug: z
    .string()
    .trim()
    .max(60, 'categories.slug_invalid')
    .regex(/^([a-z0-9]+(-[a-z0-9]+)*)?$/, 'categories.slug_invalid')
    .default(''),
});
export type CategoryNames = z.input<typeof categoryNames>;
export type NewCategory = z.input<typeof newCategory>;

export interface Category {
  id: number;
  slug: string;
  name_fr: string;
  name_en: string;
  position: number;
  hidden: number;
}

/**
 * A category text as imports compare it: lower case, no accents, `&` and "et" as "and",
 * punctuation and runs of spaces as one space ("Épicerie fine" → "epicerie fine").
 */
export function foldCategoryText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/&/g, ' and ')
    .replace(/\bet\b/g, 'and')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** A synonym as the region admin types it: free text, 1–80 characters, at least one letter or digit. */
export const synonymInput = z.object({
  synonym: z
    .string()
    .trim()
    .min(1, 'categories.synonym_required')
    .max(80, 'categories.name_too_long')
    .refine((s) => foldCategoryText(s) !== '', 'categories.synonym_required'),
});

export interface CategorySynonym {
  label: string;
  folded: string;
}
