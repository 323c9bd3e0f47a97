import type { MessageBundle } from '../index.ts';

/**
 * Back-office and console wording seen on the screenshots (issue 16): a member's status is the
 * member's ("Statut du membre : Actif"), where "Adhésion : Actif" disagreed in gender; an
 * association administrator's role names the association after a colon, since "Administrateur de
 * l’association {association}" doubled the word when the name starts with "Association".
 */
const messages: MessageBundle = {
  fr: {
    'design.member_status': 'Statut du membre',
    'design.role_of': 'Administrateur\u202f: {association}',
  },
  en: {
    'design.member_status': 'Member status',
    'design.role_of': 'Administrator: {association}',
  },
};

export default messages;
