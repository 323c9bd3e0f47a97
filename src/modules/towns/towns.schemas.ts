import { z } from 'zod';

/** A Canada Post forward sortation area (first three characters of a postal code), e.g. J9H. */
export const FSA = /^[A-Z]\d[A-Z]$/;

/** One town as the admin form and the CSV import give it (strings in, numbers out). */
export const townInput = z.object({
  name: z.string().trim().min(1, 'towns.name_required').max(120, 'towns.name_too_long'),
  lat: z
    .string()
    .trim()
    .min(1, 'towns.lat_invalid')
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n >= -90 && n <= 90, 'towns.lat_invalid'),
  lng: z
    .string()
    .trim()
    .min(1, 'towns.lng_invalid')
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n >= -180 && n <= 180, 'towns.lng_invalid'),
  postal_prefixes: z
    .string()
    .default('')
    .transform((s) => [
      ...new Set(
        s
          .toUpperCase()
          .split(/[\s,;]+/)
          .filter(Boolean),
      ),
    ])
    .refine((list) => list.every((p) => FSA.test(p)), 'towns.prefixes_invalid')
    .transform((list) => list.join(' ')),
});
export type TownInput = z.input<typeof townInput>;
export type TownValues = z.output<typeof townInput>;

export interface Town {
  id: number;
  name: string;
  lat: number;
  lng: number;
  postal_prefixes: string;
}
