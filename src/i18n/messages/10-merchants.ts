import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'merchant.neq_invalid': 'NEQ invalide : 10 chiffres commençant par 11, 22, 33 ou 88 (forme juridique).',
    'merchant.gst_invalid': 'Numéro de TPS invalide (format : 123456789RT0001).',
    'merchant.qst_invalid': 'Numéro de TVQ invalide (format : 1234567890TQ0001).',
    'merchant.unknown_association': 'Association inconnue : {slugs}.',
    'merchant.unknown_category': 'Catégorie inconnue : {slugs}.',
    'geo.lat_range': 'La latitude doit être entre -90 et 90.',
    'geo.lng_range': 'La longitude doit être entre -180 et 180.',
    'error.api_key_invalid': 'Clé d’API invalide ou révoquée.',
    'error.merchant_suspended': 'Ce commerce est suspendu.',
  },
  en: {
    'merchant.neq_invalid': 'Invalid NEQ: 10 digits starting with 11, 22, 33 or 88 (legal form).',
    'merchant.gst_invalid': 'Invalid GST number (format: 123456789RT0001).',
    'merchant.qst_invalid': 'Invalid QST number (format: 1234567890TQ0001).',
    'merchant.unknown_association': 'Unknown association: {slugs}.',
    'merchant.unknown_category': 'Unknown category: {slugs}.',
    'geo.lat_range': 'Latitude must be between -90 and 90.',
    'geo.lng_range': 'Longitude must be between -180 and 180.',
    'error.api_key_invalid': 'Invalid or revoked API key.',
    'error.merchant_suspended': 'This merchant is suspended.',
  },
};
export default messages;
