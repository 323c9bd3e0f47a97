/**
 * Column names and cell values as merchants write them in the template: English or French
 * headers (`titre`, `catégorie`, `prix`, `quantité`...), prices in dollars (`12,99 $`) or cents,
 * tax classes and Québec labels in words. Pure functions.
 */

/** Canonical row fields a template column can fill. `price` is in dollars, `price_cents` in cents. */
export type TemplateField =
  | 'sku'
  | 'title_fr'
  | 'title_en'
  | 'description_fr'
  | 'description_en'
  | 'category'
  | 'price_cents'
  | 'price'
  | 'gtin'
  | 'brand'
  | 'quebec_label'
  | 'tax_class'
  | 'image_url'
  | 'location_code'
  | 'on_hand'
  | 'status'
  | 'handle'
  | OptionField;

/** The variant option columns: `option1_name`, `option1_value` ... `option3_value`. */
export type OptionField = `option${1 | 2 | 3}_${'name' | 'value'}`;
export const OPTION_FIELDS: OptionField[] = [
  'option1_name',
  'option1_value',
  'option2_name',
  'option2_value',
  'option3_name',
  'option3_value',
];

/** Lower case, no accents, spaces and punctuation as `_`: "Étiquette Québec" → `etiquette_quebec`. */
export function foldHeader(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Accepted header names (folded) per field; the first listed is the template's own name. */
export const TEMPLATE_ALIASES: Record<TemplateField, string[]> = {
  sku: ['sku', 'code', 'code_produit', 'product_code'],
  title_fr: ['title_fr', 'titre', 'titre_fr', 'nom', 'nom_fr'],
  title_en: ['title_en', 'titre_en', 'nom_en'],
  description_fr: ['description_fr', 'description'],
  description_en: ['description_en'],
  category: ['category', 'categorie'],
  price_cents: ['price_cents', 'prix_cents', 'prix_en_cents'],
  price: ['price', 'prix'],
  gtin: ['gtin', 'code_barres', 'code_barre', 'codebarre', 'barcode', 'upc', 'ean'],
  brand: ['brand', 'marque'],
  quebec_label: ['quebec_label', 'etiquette_quebec', 'label_quebec'],
  tax_class: ['tax_class', 'taxes', 'taxe', 'classe_taxe'],
  image_url: ['image_url', 'image', 'url_image'],
  location_code: ['location_code', 'magasin', 'code_magasin', 'store', 'store_code'],
  on_hand: ['on_hand', 'quantite', 'stock', 'quantity', 'qty'],
  status: ['status', 'statut'],
  handle: ['handle', 'groupe', 'identifiant_produit'],
  option1_name: ['option1_name', 'option_1_name', 'option1_nom', 'nom_option1', 'nom_option_1'],
  option1_value: ['option1_value', 'option_1_value', 'option1_valeur', 'valeur_option1', 'valeur_option_1'],
  option2_name: ['option2_name', 'option_2_name', 'option2_nom', 'nom_option2', 'nom_option_2'],
  option2_value: ['option2_value', 'option_2_value', 'option2_valeur', 'valeur_option2', 'valeur_option_2'],
  option3_name: ['option3_name', 'option_3_name', 'option3_nom', 'nom_option3', 'nom_option_3'],
  option3_value: ['option3_value', 'option_3_value', 'option3_valeur', 'valeur_option3', 'valeur_option_3'],
};

const FIELD_BY_ALIAS = new Map<string, TemplateField>(
  (Object.entries(TEMPLATE_ALIASES) as [TemplateField, string[]][]).flatMap(([f, names]) =>
    names.map((n) => [n, f] as const),
  ),
);

/**
 * Column index → field for a template header row (English or French names, any case or
 * accents). A field named twice keeps its first column. Undefined when the header is not the
 * template's: it needs a SKU column and at least one other known column (a file of only the
 * columns to update is fine; a new product still needs a title and a price).
 */
export function mapTemplateHeader(header: string[]): Map<number, TemplateField> | undefined {
  const out = new Map<number, TemplateField>();
  const taken = new Set<TemplateField>();
  header.forEach((h, i) => {
    const f = FIELD_BY_ALIAS.get(foldHeader(h));
    if (f && !taken.has(f)) {
      taken.add(f);
      out.set(i, f);
    }
  });
  return taken.has('sku') && taken.size >= 2 ? out : undefined;
}

/**
 * A price in dollars as typed in Québec or elsewhere: `12,99 $`, `12.99`, `$12.99`, `12,99`,
 * `1 299,50 $`, `1,299.50` → cents. Undefined when it is not a price.
 */
export function dollarsToCents(text: string): number | undefined {
  let s = text.replace(/[\s\u00a0\u202f$]/g, '').replace(/^CAD|CAD$/i, '');
  if (!s) return undefined;
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    // Both: the last one is the decimal separator, the other groups thousands.
    s = lastComma > lastDot ? s.replace(/\./g, '').replace(',', '.') : s.replace(/,/g, '');
  } else if (lastComma >= 0) {
    // Only commas: "12,99" is decimal; "1,299" or "1,299,000" group thousands.
    s = /^\d{1,3}(,\d{3})+$/.test(s) ? s.replace(/,/g, '') : s.replace(',', '.');
  }
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return undefined;
  const [d, c = ''] = s.split('.');
  const cents = Number(d) * 100 + Number(c.padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : undefined;
}

/** Cents as integer text ("1299"); undefined otherwise. */
export function centsFromText(text: string): number | undefined {
  const s = text.replace(/[\s\u00a0\u202f]/g, '');
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

const TAX_WORDS: Record<string, 'standard' | 'zero_rated' | 'exempt'> = {
  standard: 'standard',
  taxable: 'standard',
  taxe: 'standard',
  tps_tvq: 'standard',
  zero_rated: 'zero_rated',
  zero: 'zero_rated',
  detaxe: 'zero_rated',
  non_taxable: 'zero_rated',
  exempt: 'exempt',
  exonere: 'exempt',
};

/** Tax class in words ("détaxé", "exonéré", "taxable"); the text itself when unknown (validation reports it). */
export function normaliseTaxClass(text: string): string {
  return TAX_WORDS[foldHeader(text)] ?? text;
}

/** "Aliments du Québec" → `aliments_du_quebec`; validation checks the result. */
export function normaliseQuebecLabel(text: string): string {
  return foldHeader(text);
}

/** `active|draft|archived` in English or French (actif, brouillon, archivé). */
export function normaliseStatus(text: string): string {
  const f = foldHeader(text);
  return (
    {
      actif: 'active',
      active: 'active',
      brouillon: 'draft',
      draft: 'draft',
      archive: 'archived',
      archived: 'archived',
    }[f] ?? text
  );
}
