import type { MessageBundle } from '../index.ts';

/** Text hygiene: names and titles, web addresses, quantities, uploaded files. */
const messages: MessageBundle = {
  fr: {
    'text.control_characters':
      'Ce texte contient des caractères de contrôle (retour à la ligne, tabulation…) : retirez-les.',
    'text.bidi_override':
      'Ce texte contient des caractères invisibles qui inversent le sens d’affichage : retirez-les.',
    'text.invisible_only': 'Ce texte ne contient que des caractères invisibles.',
    'text.url_http_only': 'L’adresse web doit commencer par http:// ou https://.',
    'text.integer_required': 'Indiquez un nombre entier (chiffres seulement).',
    'import.contains_nul':
      'Le fichier contient des caractères nuls : ce n’est pas un fichier texte CSV ou JSON. Aucune ligne n’a été importée.',
  },
  en: {
    'text.control_characters':
      'This text contains control characters (line break, tab…): please remove them.',
    'text.bidi_override':
      'This text contains invisible characters that reverse the display direction: please remove them.',
    'text.invisible_only': 'This text contains only invisible characters.',
    'text.url_http_only': 'The web address must start with http:// or https://.',
    'text.integer_required': 'Enter a whole number (digits only).',
    'import.contains_nul':
      'The file contains NUL characters: it is not a CSV or JSON text file. No row was imported.',
  },
};

export default messages;
