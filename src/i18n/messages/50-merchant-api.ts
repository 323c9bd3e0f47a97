import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'merchant_api.rows_invalid': 'Certaines lignes sont invalides ; rien n’a été appliqué.',
    'merchant_api.body_not_array': 'Le corps doit être un tableau JSON de lignes.',
    'merchant_api.too_many_rows': 'Trop de lignes (maximum {maximum}).',
    'merchant_api.row_not_object': 'La ligne doit être un objet.',
    'merchant_api.sku_invalid': 'SKU manquant ou trop long (100 caractères au plus).',
    'merchant_api.location_code_required':
      'Indiquez location_code (le commerce a plusieurs points de vente).',
    'merchant_api.on_hand_not_integer': 'on_hand doit être un nombre entier.',
    'merchant_api.on_hand_negative': 'on_hand ne peut pas être négatif.',
    'merchant_api.unknown_location': 'Point de vente inconnu : {code}.',
    'merchant_api.unknown_sku': 'SKU inconnu : {sku}.',
    'merchant_api.duplicate_row': 'Ce SKU et ce point de vente apparaissent déjà plus haut.',
    'merchant_api.on_hand_below_reserved':
      'Stock inférieur aux {reserved} unités réservées pour des commandes en cours : terminez ou annulez-les d’abord.',
    'merchant_api.idempotency_in_progress': 'Une requête avec cette clé d’idempotence est déjà en cours.',
    'merchant_api.webhook_url_private':
      'Adresse refusée : les webhooks ne peuvent pas viser une adresse privée, locale ou de bouclage.',
    'merchant_api.webhook_url_unresolvable': 'Nom d’hôte introuvable.',
    'merchant_api.webhook_url_https':
      'Les webhooks sont envoyés en HTTPS seulement : l’URL doit commencer par https://.',
    'merchant_api.webhook_url_credentials': 'L’URL ne doit pas contenir d’identifiants.',
    'merchant_api.too_many_webhooks': 'Trop de webhooks (maximum {maximum}).',
    'merchant_api.too_many_products': 'Trop de produits suivis (maximum {maximum}).',
    'merchant_api.auth_required': 'Authentification requise : Authorization: Bearer <clé d’API>.',
    'import.unknown_format':
      'Format non reconnu : utilisez le gabarit CSV Comptoir, l’export produits de Shopify ou un tableau JSON.',
    'import.invalid_csv': 'Fichier CSV illisible.',
    'import.invalid_json': 'JSON illisible.',
    'import.too_many_rows': 'Trop de lignes dans le fichier.',
    'import.unknown_category': 'Catégorie inconnue : {category}.',
    'import.duplicate_sku': 'SKU déjà présent à la ligne {row}.',
    'import.gtin_invalid': 'GTIN invalide (8 à 14 chiffres).',
    'import.image_url_invalid': 'L’URL de l’image doit commencer par http:// ou https://.',
  },
  en: {
    'merchant_api.rows_invalid': 'Some rows are invalid; nothing was applied.',
    'merchant_api.body_not_array': 'The body must be a JSON array of rows.',
    'merchant_api.too_many_rows': 'Too many rows (at most {maximum}).',
    'merchant_api.row_not_object': 'The row must be an object.',
    'merchant_api.sku_invalid': 'SKU missing or too long (at most 100 characters).',
    'merchant_api.location_code_required': 'Give location_code (the merchant has several locations).',
    'merchant_api.on_hand_not_integer': 'on_hand must be a whole number.',
    'merchant_api.on_hand_negative': 'on_hand cannot be negative.',
    'merchant_api.unknown_location': 'Unknown location: {code}.',
    'merchant_api.unknown_sku': 'Unknown SKU: {sku}.',
    'merchant_api.duplicate_row': 'This SKU and location already appear in an earlier row.',
    'merchant_api.on_hand_below_reserved':
      'Stock below the {reserved} units reserved for open orders: complete or cancel them first.',
    'merchant_api.idempotency_in_progress': 'A request with this idempotency key is still in progress.',
    'merchant_api.webhook_url_private':
      'Address refused: webhooks cannot target a private, local or loopback address.',
    'merchant_api.webhook_url_unresolvable': 'Host name not found.',
    'merchant_api.webhook_url_https': 'Webhooks are sent over HTTPS only: the URL must start with https://.',
    'merchant_api.webhook_url_credentials': 'The URL must not contain credentials.',
    'merchant_api.too_many_webhooks': 'Too many webhooks (at most {maximum}).',
    'merchant_api.too_many_products': 'Too many products watched (at most {maximum}).',
    'merchant_api.auth_required': 'Authentication required: Authorization: Bearer <API key>.',
    'import.unknown_format':
      'Unrecognised format: use the Comptoir CSV template, a Shopify product export or a JSON array.',
    'import.invalid_csv': 'Unreadable CSV file.',
    'import.invalid_json': 'Unreadable JSON.',
    'import.too_many_rows': 'Too many rows in the file.',
    'import.unknown_category': 'Unknown category: {category}.',
    'import.duplicate_sku': 'SKU already present on row {row}.',
    'import.gtin_invalid': 'Invalid GTIN (8 to 14 digits).',
    'import.image_url_invalid': 'The image URL must start with http:// or https://.',
  },
};
export default messages;
