import type { MessageBundle } from '../index.ts';

/** Delivery zones, postal addresses and the checkout quote. */
const messages: MessageBundle = {
  fr: {
    'address.line1': 'Adresse (numéro et rue)',
    'address.line2': 'Appartement, bureau (facultatif)',
    'address.city': 'Ville',
    'address.postal_code': 'Code postal',
    'address.line1_required': 'Indiquez le numéro et la rue.',
    'address.city_required': 'Indiquez la ville.',
    'address.postal_code_invalid': 'Code postal canadien invalide (ex. : J9H 5E1).',
    'delivery.below_minimum':
      'La livraison à cette adresse demande une commande d’au moins {min} (avant taxes).',
    'delivery.prefix_invalid': 'Préfixe postal invalide : trois caractères comme J9H.',
    'delivery.zone_needs_area':
      'Indiquez au moins une ville ou un préfixe postal, ou un rayon de livraison pour le magasin.',
    'delivery.zones_required': 'Ajoutez au moins une zone de livraison.',
    'delivery.option': 'Livraison depuis {store}',
    'delivery.zone_summary': '{area} : {fee}',
    'delivery.zone_min': '{area} : {fee} (commande minimale {min})',
    'delivery.within_km': 'dans un rayon de {km} km',
    'delivery.fee_by_zone': 'Les frais dépendent de la zone de votre adresse.',
    'delivery.zones_legend': 'Zones de livraison',
    'delivery.zones_hint':
      'Une ligne par zone. Villes et préfixes postaux (3 caractères, ex. J9H) séparés par des virgules; une zone sans ville ni préfixe couvre le rayon ci-dessous (adresse géolocalisée).',
    'delivery.enabled': 'Livraison offerte',
    'delivery.zone_towns': 'Villes (zone {n})',
    'delivery.zone_prefixes': 'Préfixes postaux (zone {n})',
    'delivery.zone_fee': 'Frais de livraison, $ (zone {n})',
    'delivery.zone_min_order': 'Commande minimale, $ (zone {n}, facultatif)',
    'delivery.radius': 'Rayon de livraison, km (facultatif)',
    'delivery.preparation': 'Temps de préparation, minutes (facultatif)',
    'delivery.amount_invalid': 'Montant invalide (ex. : 4,99).',
    'delivery.summary_zones': 'Livraison : {zones}',
    'checkout.quote_update': 'Calculer le total',
    'checkout.quoted_total': 'Total à payer, frais de livraison et taxes compris',
    'checkout.quote_recomputed':
      'Total recalculé pour vos choix : {to} (frais de livraison et taxes compris). Vérifiez, puis passez la commande.',
    'checkout.delivery_fee_line': 'Frais de livraison',
    'place.unknown': 'Lieu « {place} » introuvable : résultats autour du centre de la région.',
  },
  en: {
    'address.line1': 'Address (number and street)',
    'address.line2': 'Apartment, suite (optional)',
    'address.city': 'City',
    'address.postal_code': 'Postal code',
    'address.line1_required': 'Enter the number and street.',
    'address.city_required': 'Enter the city.',
    'address.postal_code_invalid': 'Invalid Canadian postal code (e.g. J9H 5E1).',
    'delivery.below_minimum': 'Delivery to this address needs an order of at least {min} (before taxes).',
    'delivery.prefix_invalid': 'Invalid postal prefix: three characters such as J9H.',
    'delivery.zone_needs_area':
      'Enter at least one town or postal prefix, or a delivery radius for the store.',
    'delivery.zones_required': 'Add at least one delivery zone.',
    'delivery.option': 'Delivery from {store}',
    'delivery.zone_summary': '{area}: {fee}',
    'delivery.zone_min': '{area}: {fee} (minimum order {min})',
    'delivery.within_km': 'within {km} km',
    'delivery.fee_by_zone': 'The fee depends on your address’s zone.',
    'delivery.zones_legend': 'Delivery zones',
    'delivery.zones_hint':
      'One row per zone. Towns and postal prefixes (3 characters, e.g. J9H) separated by commas; a zone with no town or prefix covers the radius below (geocoded address).',
    'delivery.enabled': 'Delivery offered',
    'delivery.zone_towns': 'Towns (zone {n})',
    'delivery.zone_prefixes': 'Postal prefixes (zone {n})',
    'delivery.zone_fee': 'Delivery fee, $ (zone {n})',
    'delivery.zone_min_order': 'Minimum order, $ (zone {n}, optional)',
    'delivery.radius': 'Delivery radius, km (optional)',
    'delivery.preparation': 'Preparation time, minutes (optional)',
    'delivery.amount_invalid': 'Invalid amount (e.g. 4.99).',
    'delivery.summary_zones': 'Delivery: {zones}',
    'checkout.quote_update': 'Calculate the total',
    'checkout.quoted_total': 'Total to pay, delivery fees and taxes included',
    'checkout.quote_recomputed':
      'Total recalculated for your choices: {to} (delivery fees and taxes included). Check it, then place the order.',
    'checkout.delivery_fee_line': 'Delivery fee',
    'place.unknown': 'Place “{place}” not found: results around the centre of the region.',
  },
};

export default messages;
