import type { MessageBundle } from '../index.ts';

const messages: MessageBundle = {
  fr: {
    'giftcard.amount_range': 'Le montant doit être un nombre entier de dollars entre {min} $ et {max} $.',
    'giftcard.amount_positive': 'Le montant doit être un nombre entier de cents supérieur à zéro.',
    'giftcard.bonus_invalid': 'Bonus invalide.',
    'giftcard.bonus_needs_expiry': 'Un bonus promotionnel doit avoir une date de fin de validité.',
    'giftcard.unknown': 'Carte-cadeau inconnue. Vérifiez le code.',
    'giftcard.not_active':
      'Cette carte-cadeau n’est pas encore activée (paiement au bureau de l’association).',
    'giftcard.merchant_not_participating': 'Ce commerce n’accepte pas cette carte-cadeau.',
    'giftcard.insufficient': 'Solde de la carte-cadeau insuffisant.',
    'giftcard.already_redeemed': 'Cette carte a déjà servi pour cette commande.',
    'giftcard.already_refunded': 'Ce remboursement a déjà été fait.',
    'giftcard.no_redemption': 'Aucun paiement par carte-cadeau pour cette commande.',
    'giftcard.busy': 'La carte est utilisée en ce moment ; réessayez.',
    'giftcard.too_many_attempts': 'Trop de codes erronés. Réessayez dans 15 minutes.',
  },
  en: {
    'giftcard.amount_range': 'The amount must be a whole number of dollars, between {min} and {max} dollars.',
    'giftcard.amount_positive': 'The amount must be a whole number of cents above zero.',
    'giftcard.bonus_invalid': 'Invalid bonus.',
    'giftcard.bonus_needs_expiry': 'A promotional bonus needs an end of validity date.',
    'giftcard.unknown': 'Unknown gift card. Check the code.',
    'giftcard.not_active': 'This gift card is not activated yet (payment at the association’s office).',
    'giftcard.merchant_not_participating': 'This merchant does not accept this gift card.',
    'giftcard.insufficient': 'Insufficient gift card balance.',
    'giftcard.already_redeemed': 'This card was already used for this order.',
    'giftcard.already_refunded': 'This refund was already made.',
    'giftcard.no_redemption': 'No gift card payment for this order.',
    'giftcard.busy': 'The card is being used right now; try again.',
    'giftcard.too_many_attempts': 'Too many wrong codes. Try again in 15 minutes.',
  },
};
export default messages;
