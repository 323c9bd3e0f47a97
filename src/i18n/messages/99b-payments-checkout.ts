import type { MessageBundle } from '../index.ts';

/** Card payments at checkout (issue 15): 3-D Secure, late events, the region's platform fee. */
const messages: MessageBundle = {
  fr: {
    'payment.card_action_required':
      'Votre banque demande de confirmer ce paiement (3-D Secure) : suivez ses instructions, la commande sera passée ensuite. Rien n’est prélevé avant.',
    'payment.card_intent_invalid':
      'Ce paiement par carte ne correspond pas à ce panier : saisissez de nouveau votre carte. Aucun montant n’a été prélevé.',
    'payment.card_intent_amount_changed':
      'Le total du panier a changé pendant la vérification de la carte : l’autorisation a été annulée. Vérifiez le nouveau total et saisissez de nouveau votre carte.',
    'payment.card_intent_used': 'Ce paiement par carte a déjà servi à une autre commande.',
    'region.section_card_payments': 'Paiements par carte',
    'region.field_platform_fee_percent': 'Frais de plateforme (%)',
    'region.platform_fee_hint':
      'Part gardée sur chaque commande payée par carte, de 0 à 30 %, jusqu’à deux décimales (ex. 2,5). Affichée aux commerçants avant leur inscription et sur leurs relevés ; un changement vaut pour les nouvelles commandes seulement.',
    'region.platform_fee_invalid':
      'Indiquez un pourcentage de 0 à 30, avec au plus deux décimales (ex. 2,5).',
    'stripe.statement_fee':
      'Frais de plateforme en vigueur : {percent} % des nouvelles commandes payées par carte. Chaque paiement ci-dessous garde le taux appliqué à sa date.',
    'stripe.line_fee_rate': 'frais {percent} %',
  },
  en: {
    'payment.card_action_required':
      'Your bank asks you to confirm this payment (3-D Secure): follow its instructions and the order will then be placed. Nothing is charged before.',
    'payment.card_intent_invalid':
      'This card payment does not match this cart: enter your card again. Nothing was charged.',
    'payment.card_intent_amount_changed':
      'The cart total changed during the card check: the authorisation was cancelled. Check the new total and enter your card again.',
    'payment.card_intent_used': 'This card payment was already used for another order.',
    'region.section_card_payments': 'Card payments',
    'region.field_platform_fee_percent': 'Platform fee (%)',
    'region.platform_fee_hint':
      'Share kept on each order paid by card, from 0 to 30%, up to two decimals (e.g. 2.5). Shown to merchants before they join and on their statements; a change applies to new orders only.',
    'region.platform_fee_invalid': 'Enter a percentage from 0 to 30, with at most two decimals (e.g. 2.5).',
    'stripe.statement_fee':
      'Platform fee now: {percent}% of new orders paid by card. Each payment below keeps the rate applied on its date.',
    'stripe.line_fee_rate': 'fee {percent}%',
  },
};

export default messages;
