import type { MessageBundle } from '../index.ts';

/** Stripe too slow to answer a card payment (issue 15): the customer can retry, any hold is released. */
const messages: MessageBundle = {
  fr: {
    'payment.card_timeout':
      'Le service de paiement par carte a mis trop de temps à répondre\u00a0: aucune commande n’a été créée et toute autorisation faite sur votre carte sera annulée. Réessayez dans un instant ou choisissez un autre mode de paiement.',
  },
  en: {
    'payment.card_timeout':
      'The card payment service took too long to answer: no order was created and any hold placed on your card will be released. Try again in a moment or choose another payment method.',
  },
};

export default messages;
