import type { MessageBundle } from '../index.ts';

/** Pickup slots, stores that cannot sell, gift cards paying part of an order, order and approval emails. */
const messages: MessageBundle = {
  fr: {
    'pickup.slot_unavailable':
      'Ce créneau de cueillette n’est pas offert : choisissez-en un dans la liste (à venir, pendant les heures du magasin).',
    'pickup.slot_format': 'Créneau invalide : une date et une heure ISO 8601 sont attendues.',
    'pickup.no_slots': 'Aucun créneau de cueillette dans les prochains jours.',
    'pickup.slot_label': 'Créneau de cueillette à {store}',
    'pickup.slot_any': 'Dès que possible',
    'pickup.slot': 'Créneau de cueillette',
    'pickup.next_slots': 'Prochains créneaux de cueillette',
    'pickup.today_title': 'Cueillettes d’aujourd’hui',
    'pickup.today_none': 'Aucune cueillette prévue aujourd’hui.',
    'pickup.unscheduled': 'Sans créneau',
    'pickup.store': 'Magasin',
    'pickup.hours': 'Heures d’ouverture',
    'pickup.reopens': 'rouvre à',
    'pickup.hours_second_range':
      'Deuxième plage invalide : elle doit commencer après la fermeture de la première et finir après son ouverture.',
    'pickup.slot_length': 'Durée d’un créneau de cueillette',
    'pickup.slot_length_hint':
      'Les créneaux sont découpés dans les heures d’ouverture, après le temps de préparation.',
    'pickup.slot_length_invalid': 'Choisissez une durée de créneau dans la liste.',
    'pickup.days_ahead': 'Nombre de jours de créneaux offerts',
    'pickup.days_ahead_invalid': 'Entre 1 et 30 jours.',
    'giftcard.empty': 'Cette carte-cadeau n’a plus de solde.',
    'giftcard.paid_by_card': 'Payé par carte-cadeau',
    'giftcard.remainder_due': 'Reste à payer ({method})',
    'giftcard.balance_left': 'Solde restant de la carte-cadeau',
    'giftcard.remainder_label': 'Le reste, si la carte ne couvre pas tout',
    'giftcard.split_hint':
      'Tout le solde de la carte est appliqué, commerce par commerce dans l’ordre du panier; le reste se paie au magasin.',
    'offer.contact_merchant': 'Ce magasin ne fait ni cueillette ni livraison : contactez le commerçant.',
    'offer.no_fulfilment':
      'Ce magasin n’offre ni cueillette ni livraison : contactez le commerçant pour cet article.',
    'offer.nearest': 'Magasin le plus proche avec du stock',
    'offer.store': 'Magasin',
    'bo.no_fulfilment_warning':
      'Ces magasins n’offrent ni cueillette ni livraison; leurs produits ne peuvent pas être achetés en ligne : {stores}.',
    'email.ready.store': 'Où',
    'email.ready.hours': 'Heures d’ouverture',
    'email.merchant_approved.link': 'Votre espace marchand : {url}',
  },
  en: {
    'pickup.slot_unavailable':
      'This pickup slot is not offered: choose one from the list (upcoming, within the store’s hours).',
    'pickup.slot_format': 'Invalid slot: an ISO 8601 date and time is expected.',
    'pickup.no_slots': 'No pickup slot in the coming days.',
    'pickup.slot_label': 'Pickup slot at {store}',
    'pickup.slot_any': 'As soon as possible',
    'pickup.slot': 'Pickup slot',
    'pickup.next_slots': 'Next pickup slots',
    'pickup.today_title': 'Today’s pickups',
    'pickup.today_none': 'No pickup planned today.',
    'pickup.unscheduled': 'No slot',
    'pickup.store': 'Store',
    'pickup.hours': 'Opening hours',
    'pickup.reopens': 'reopens at',
    'pickup.hours_second_range':
      'Invalid second range: it must start after the first one closes and end after it opens.',
    'pickup.slot_length': 'Length of a pickup slot',
    'pickup.slot_length_hint': 'Slots are cut from the opening hours, after the preparation time.',
    'pickup.slot_length_invalid': 'Choose a slot length from the list.',
    'pickup.days_ahead': 'Days of slots offered',
    'pickup.days_ahead_invalid': 'Between 1 and 30 days.',
    'giftcard.empty': 'This gift card has no balance left.',
    'giftcard.paid_by_card': 'Paid by gift card',
    'giftcard.remainder_due': 'Left to pay ({method})',
    'giftcard.balance_left': 'Gift card balance left',
    'giftcard.remainder_label': 'The rest, if the card does not cover everything',
    'giftcard.split_hint':
      'The card’s whole balance is applied, merchant by merchant in cart order; the rest is paid in store.',
    'offer.contact_merchant': 'This store offers neither pickup nor delivery: contact the merchant.',
    'offer.no_fulfilment':
      'This store offers neither pickup nor delivery: contact the merchant for this item.',
    'offer.nearest': 'Nearest store with stock',
    'offer.store': 'Store',
    'bo.no_fulfilment_warning':
      'These stores offer neither pickup nor delivery; their products cannot be bought online: {stores}.',
    'email.ready.store': 'Where',
    'email.ready.hours': 'Opening hours',
    'email.merchant_approved.link': 'Your merchant back-office: {url}',
  },
};
export default messages;
