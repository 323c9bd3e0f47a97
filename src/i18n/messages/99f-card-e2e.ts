import type { MessageBundle } from '../index.ts';

/** A gift card bought by card whose bank asks for 3-D Secure (issue 15). */
const messages: MessageBundle = {
  fr: {
    'giftcard.card_action_required':
      'Votre banque demande de confirmer ce paiement (3-D Secure) : suivez ses instructions, la carte-cadeau sera payée ensuite. Rien n’est prélevé avant.',
  },
  en: {
    'giftcard.card_action_required':
      'Your bank asks you to confirm this payment (3-D Secure): follow its instructions and the gift card will then be paid. Nothing is charged before.',
  },
};
export default messages;
