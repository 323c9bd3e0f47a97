import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'hardening.idempotency_key_invalid':
      'L’en-tête Idempotency-Key doit compter 200 caractères au plus, sans caractère de contrôle.',
    'hardening.body_too_deep': 'Le corps de la requête est trop imbriqué ({maximum} niveaux au plus).',
    'hardening.next_invalid': 'Adresse de retour invalide : reprenez la connexion depuis le site.',
    'hardening.multipart_invalid': 'Envoi de fichier incomplet ou mal formé : réessayez.',
  },
  en: {
    'hardening.idempotency_key_invalid':
      'The Idempotency-Key header must be at most 200 characters long, with no control character.',
    'hardening.body_too_deep': 'The request body is nested too deeply (at most {maximum} levels).',
    'hardening.next_invalid': 'Invalid return address: sign in again from the site.',
    'hardening.multipart_invalid': 'Incomplete or malformed file upload: please try again.',
  },
};

export default messages;
