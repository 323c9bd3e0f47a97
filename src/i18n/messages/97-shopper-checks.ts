import type { MessageBundle } from '../index.ts';

/** Delivery to the shopper's place (search results, the merchant page), from the stores' delivery zones. */
const messages: MessageBundle = {
  fr: {
    'shopper.delivery_zones': 'Livraison : {zones}',
    'shopper.delivers_here': 'Livre à {place}',
    'shopper.delivers_here_point': 'Livre à l’endroit choisi',
    'shopper.not_delivers_here': 'Ne livre pas à {place}',
    'shopper.not_delivers_here_point': 'Ne livre pas à l’endroit choisi',
    'shopper.delivers_badge': 'Livraison chez vous',
  },
  en: {
    'shopper.delivery_zones': 'Delivery: {zones}',
    'shopper.delivers_here': 'Delivers to {place}',
    'shopper.delivers_here_point': 'Delivers to the chosen place',
    'shopper.not_delivers_here': 'Does not deliver to {place}',
    'shopper.not_delivers_here_point': 'Does not deliver to the chosen place',
    'shopper.delivers_badge': 'Delivers to you',
  },
};
export default messages;
