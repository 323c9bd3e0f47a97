import type { MessageBundle } from '../index.ts';

/** The merchant payments page in the back-office design system: its status cards' titles and badges. */
const messages: MessageBundle = {
  fr: {
    'bo_pay.cards_title': 'Paiement par carte',
    'bo_pay.payouts_title': 'Virements bancaires',
    'bo_pay.cards.enabled': 'Acceptées',
    'bo_pay.cards.pending': 'Inscription à terminer',
    'bo_pay.cards.none': 'Non activé',
    'bo_pay.payouts.enabled': 'Activés',
    'bo_pay.payouts.disabled': 'Pas encore activés',
  },
  en: {
    'bo_pay.cards_title': 'Card payments',
    'bo_pay.payouts_title': 'Bank payouts',
    'bo_pay.cards.enabled': 'Accepted',
    'bo_pay.cards.pending': 'Sign-up to finish',
    'bo_pay.cards.none': 'Not activated',
    'bo_pay.payouts.enabled': 'Enabled',
    'bo_pay.payouts.disabled': 'Not enabled yet',
  },
};

export default messages;
