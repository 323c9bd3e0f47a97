import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'import_formats.unknown_header':
      'Format non reconnu. Colonnes trouvées : {columns}. Attendu : le gabarit Comptoir (sku, title_fr, price_cents… ou code, titre, prix…), l’export produits de Shopify, l’export de la bibliothèque d’articles de Square ou l’export produits de Lightspeed (X-Series), en CSV ou en Excel (.xlsx).',
    'import_formats.invalid_xlsx':
      'Classeur Excel illisible : enregistrez-le en .xlsx (Excel, Numbers ou Google Sheets) ou exportez-le en CSV.',
    'import_formats.xlsx_too_large':
      'Classeur Excel trop volumineux une fois décompressé : exportez-le en CSV ou découpez-le en plusieurs fichiers.',
    'import_formats.unknown_location_warning':
      'Emplacement inconnu : « {location} ». Son stock n’est pas importé ; donnez ce nom ou ce code à l’un de vos magasins (page Magasins) puis réimportez.',
    'categories.synonym_required': 'Indiquez un synonyme (au moins une lettre ou un chiffre).',
    'categories.synonym_is_name': 'C’est déjà le nom ou l’identifiant de la catégorie « {name} ».',
    'categories.synonym_taken': 'Ce synonyme est déjà utilisé par la catégorie « {name} ».',
    'categories.synonym_exists': 'Ce synonyme est déjà dans la liste.',
    'categories.synonym_not_found': 'Synonyme introuvable.',
    'category_synonyms.title': 'Synonymes',
    'category_synonyms.lead':
      'Les importations de catalogue classent dans cette catégorie les produits dont la catégorie porte l’un de ces mots (majuscules et accents ignorés), p. ex. « Dépanneur » ou « Alimentation » pour Épicerie.',
    'category_synonyms.none': 'Aucun synonyme.',
    'category_synonyms.add': 'Ajouter le synonyme',
    'category_synonyms.add_label': 'Nouveau synonyme',
    'category_synonyms.add_hint':
      'Texte libre, en français ou en anglais ; unique dans toutes les catégories.',
    'category_synonyms.remove': 'Retirer',
    'category_synonyms.remove_named': 'Retirer le synonyme « {synonym} »',
    'category_synonyms.done_synonym_added': 'Synonyme ajouté.',
    'category_synonyms.done_synonym_removed': 'Synonyme retiré.',
  },
  en: {
    'import_formats.unknown_header':
      'Format not recognised. Columns found: {columns}. Expected: the Comptoir template (sku, title_fr, price_cents… or code, titre, prix…), a Shopify product export, a Square item library export or a Lightspeed (X-Series) product export, as CSV or Excel (.xlsx).',
    'import_formats.invalid_xlsx':
      'Unreadable Excel workbook: save it as .xlsx (Excel, Numbers or Google Sheets) or export it as CSV.',
    'import_formats.xlsx_too_large':
      'Excel workbook too large once uncompressed: export it as CSV or split it into several files.',
    'import_formats.unknown_location_warning':
      'Unknown location: “{location}”. Its stock is not imported; give one of your stores this name or code (Stores page) and import again.',
    'categories.synonym_required': 'Enter a synonym (at least one letter or digit).',
    'categories.synonym_is_name': 'This is already the name or slug of the category “{name}”.',
    'categories.synonym_taken': 'This synonym is already used by the category “{name}”.',
    'categories.synonym_exists': 'This synonym is already in the list.',
    'categories.synonym_not_found': 'Synonym not found.',
    'category_synonyms.title': 'Synonyms',
    'category_synonyms.lead':
      'Catalogue imports file products whose category says one of these words (case and accents ignored) under this category, e.g. “Dépanneur” or “Alimentation” for Grocery.',
    'category_synonyms.none': 'No synonyms.',
    'category_synonyms.add': 'Add synonym',
    'category_synonyms.add_label': 'New synonym',
    'category_synonyms.add_hint': 'Free text, in French or English; unique across all categories.',
    'category_synonyms.remove': 'Remove',
    'category_synonyms.remove_named': 'Remove the synonym “{synonym}”',
    'category_synonyms.done_synonym_added': 'Synonym added.',
    'category_synonyms.done_synonym_removed': 'Synonym removed.',
  },
};
export default messages;
