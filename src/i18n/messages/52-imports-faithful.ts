import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'import.price_invalid':
      'Prix invalide ({value}) : indiquez un prix en cents, p. ex. 1299 (colonne price_cents), ou en dollars, p. ex. 12,99 $ (colonne prix ou price).',
    'import.price_required':
      'Prix manquant : un nouveau produit a besoin d’un prix (p. ex. 12,99 $ ou 1299 cents).',
    'import.unknown_category_warning':
      'Catégorie inconnue : {category}. Le produit est importé sans catégorie (ou garde la sienne) ; choisissez-la dans le back-office ou corrigez le fichier.',
    'import.gtin_ignored': 'Code-barres ignoré ({value}) : un GTIN compte de 8 à 14 chiffres.',
    'import.clear_empty':
      'Les cellules vides effacent l’image, les textes anglais, l’étiquette Québec et la catégorie',
    'import.clear_empty_hint':
      'Sans cette case, une cellule vide laisse intacts les enrichissements faits dans le back-office.',
    'import.unchanged_count': '{count} ligne(s) sans changement.',
    'import.unknown_categories': 'Catégories inconnues à associer : {list}.',
    'import.warnings': 'Avertissements',
    'location.code': 'Code du magasin',
    'location.code_hint':
      'Utilisé par la caisse et les fichiers d’import (colonne location_code ou magasin) : lettres, chiffres, - _ .',
    'location.code_invalid':
      'Code invalide : de 1 à 40 caractères, lettres sans accents, chiffres, tiret, trait de soulignement ou point.',
    'location.code_taken': 'Le code {code} est déjà utilisé par un autre de vos magasins.',
    'location.default': 'Magasin par défaut',
    'location.default_hint': 'Le stock envoyé sans code de magasin (caisse, imports) va dans ce magasin.',
    'location.is_default': 'Magasin par défaut',
  },
  en: {
    'import.price_invalid':
      'Invalid price ({value}): give a price in cents, e.g. 1299 (price_cents column), or in dollars, e.g. 12,99 $ or 12.99 (prix or price column).',
    'import.price_required': 'Missing price: a new product needs a price (e.g. 12.99 or 1299 cents).',
    'import.unknown_category_warning':
      'Unknown category: {category}. The product is imported without a category (or keeps its own); choose it in the back-office or fix the file.',
    'import.gtin_ignored': 'Barcode ignored ({value}): a GTIN has 8 to 14 digits.',
    'import.clear_empty': 'Empty cells clear the image, English texts, Québec label and category',
    'import.clear_empty_hint': 'Unticked, an empty cell leaves what was added in the back-office as it is.',
    'import.unchanged_count': '{count} row(s) unchanged.',
    'import.unknown_categories': 'Unknown categories to map: {list}.',
    'import.warnings': 'Warnings',
    'location.code': 'Store code',
    'location.code_hint':
      'Used by the POS and import files (location_code or magasin column): letters, digits, - _ .',
    'location.code_invalid':
      'Invalid code: 1 to 40 characters, unaccented letters, digits, hyphen, underscore or dot.',
    'location.code_taken': 'The code {code} is already used by another of your stores.',
    'location.default': 'Default store',
    'location.default_hint': 'Stock sent without a store code (POS, imports) goes to this store.',
    'location.is_default': 'Default store',
  },
};
export default messages;
