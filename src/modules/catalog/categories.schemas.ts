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
