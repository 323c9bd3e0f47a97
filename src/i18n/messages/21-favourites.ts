import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'favourites.title': 'Mes commerces favoris',
    'favourites.none': 'Aucun commerce favori pour l’instant. Ajoutez-en depuis la page d’un commerce.',
    'favourites.add': 'Ajouter à mes favoris',
    'favourites.remove': 'Retirer de mes favoris',
  },
  en: {
    'favourites.title': 'My favourite merchants',
    'favourites.none': 'No favourite merchants yet. Add some from a merchant’s page.',
    'favourites.add': 'Add to my favourites',
    'favourites.remove': 'Remove from my favourites',
  },
};
export default messages;
