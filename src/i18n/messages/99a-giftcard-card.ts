import type { MessageBundle } from '../index.ts';

/** Gift cards bought by card and redemptions settled to merchants by Stripe transfers (issue 15). */
const messages: MessageBundle = {
  fr: {
    'giftcard.pay_how': 'Paiement',
    'giftcard.pay_office_choice': 'Au bureau de l’association (carte activée au paiement)',
    'giftcard.pay_card_choice': 'Par carte de crédit, maintenant',
    'giftcard.card_hint':
      'Le paiement est traité par Stripe ; la carte-cadeau est activée dès que le paiement est confirmé.',
    'giftcard.paid_title': 'Carte-cadeau payée',
    'giftcard.paid_lead':
      'Paiement de {amount} reçu. Votre carte est activée dès que Stripe confirme le paiement (quelques secondes).',
    'giftcard.paid_mail_body':
      'Merci ! Votre carte-cadeau de {amount} est payée par carte. Code : {code}. Elle est utilisable dès la confirmation du paiement (quelques secondes). Le montant payé n’expire jamais et aucuns frais ne s’appliquent.',
    'giftcard.settled': 'Versé (Stripe)',
    'giftcard.settle_pending': 'À verser',
    'giftcard.not_connected': 'compte de paiement non relié : reste à verser',
    'stripe.gift_cards': 'Payé par carte-cadeau régionale',
    'stripe.kind.gift_card': 'Carte-cadeau (dû)',
  },
  en: {
    'giftcard.pay_how': 'Payment',
    'giftcard.pay_office_choice': 'At the association’s office (card activated on payment)',
    'giftcard.pay_card_choice': 'By credit card, now',
    'giftcard.card_hint':
      'The payment is processed by Stripe; the gift card is activated as soon as it is confirmed.',
    'giftcard.paid_title': 'Gift card paid',
    'giftcard.paid_lead':
      'Payment of {amount} received. Your card is activated as soon as Stripe confirms the payment (a few seconds).',
    'giftcard.paid_mail_body':
      'Thank you! Your {amount} gift card is paid by card. Code: {code}. It can be used as soon as the payment is confirmed (a few seconds). The paid amount never expires and no fees apply.',
    'giftcard.settled': 'Paid out (Stripe)',
    'giftcard.settle_pending': 'To pay out',
    'giftcard.not_connected': 'payment account not connected: still to pay out',
    'stripe.gift_cards': 'Paid by regional gift card',
    'stripe.kind.gift_card': 'Gift card (owed)',
  },
};

export default messages;
