import type { MessageBundle } from '../index.ts';

/** Funders (issue 16): the read-only account kind that reads the impact report. */
const messages: MessageBundle = {
  fr: {
    'operators.role_funder': 'Bailleur de fonds (lecture du rapport d’impact)',
    'invitation.what_funder': 'consulter le rapport d’impact de la région {region}',
    'funder.intro':
      'Votre accès de bailleur de fonds\u00a0: le rapport d’impact de la région, à lire, imprimer ou télécharger (PDF, CSV).',
  },
  en: {
    'operators.role_funder': 'Funder (reads the impact report)',
    'invitation.what_funder': 'read the impact report of the {region} region',
    'funder.intro': 'Your funder access: the region’s impact report, to read, print or download (PDF, CSV).',
  },
};

export default messages;
