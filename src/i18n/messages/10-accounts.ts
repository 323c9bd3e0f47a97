import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'account.password_too_short': 'Le mot de passe doit compter au moins 12 caractères.',
    'account.password_too_long': 'Le mot de passe doit compter au plus 128 caractères.',
    'account.password_common': 'Ce mot de passe est trop courant. Choisissez-en un autre.',
    'account.email_taken': 'Un compte existe déjà avec cette adresse courriel.',
  },
  en: {
    'account.password_too_short': 'The password must be at least 12 characters long.',
    'account.password_too_long': 'The password must be at most 128 characters long.',
    'account.password_common': 'This password is too common. Choose another one.',
    'account.email_taken': 'An account already exists with this email address.',
  },
};
export default messages;
