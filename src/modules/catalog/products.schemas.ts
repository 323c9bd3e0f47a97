import type { QuebecLabel, TaxClass } from '../../db/schema.ts';

/** The Québec origin labels a product may claim (declared by the merchant, verified by the region). */
export const QUEBEC_LABELS: readonly QuebecLabel[] = [
  'aliments_du_quebec',
  'aliments_prepares_au_quebec',
  'produit_du_quebec',
  'fabrique_au_quebec',
  'concu_au_quebec',
];
/** Sales-tax classes of a product (src/modules/taxes). */
export const TAX_CLASSES = ['standard', 'zero_rated', 'exempt'] as const satisfies readonly TaxClass[];

/** One product photo as stored in `products.images_json`. */
export interface ProductImage {
  url: string;
  width: number;
  height: number;
  alt_fr?: string;
  alt_en?: string;
}

/** The images of a product from its stored JSON; a malformed value reads as no image. */
export function parseImages(json: string): ProductImage[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as ProductImage[]) : [];
  } catch {
    return [];
  }
}
