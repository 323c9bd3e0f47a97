import type { MessageBundle } from '../index.ts';

/** Issue 16 (quality of the back-office and mobile pages): search drawer and list/map switch, the campaign page's places. */
const messages: MessageBundle = {
  fr: {
    'search.filters_drawer': 'Filtres et tri',
    'search.view': 'Affichage des résultats',
    'search.view_list': 'Liste',
    'search.view_map': 'Carte',
    'campaign.places': 'Où les trouver',
    'backoffice.import_done_n.one': 'Importation terminée : {count} produit créé, {updated} mis à jour.',
    'backoffice.import_done_n.other': 'Importation terminée : {count} produits créés, {updated} mis à jour.',
    'campaign.map': 'Carte des commerces de la campagne',
  },
  en: {
    'search.filters_drawer': 'Filters and sort',
    'search.view': 'Results view',
    'search.view_list': 'List',
    'search.view_map': 'Map',
    'campaign.places': 'Where to find them',
    'backoffice.import_done_n.one': 'Import done: {count} product created, {updated} updated.',
    'backoffice.import_done_n.other': 'Import done: {count} products created, {updated} updated.',
    'campaign.map': 'Map of the campaign’s businesses',
  },
};
export default messages;
