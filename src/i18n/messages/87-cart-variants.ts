import type { MessageBundle } from '../index.ts';

/** Product variants in the cart (issue 13): which size or colour a line is. */
const messages: MessageBundle = {
  fr: {
    'error.variant_required': 'Choisissez une variante de ce produit.',
    'cart.variant_required': 'Choisissez une variante de ce produit (taille, couleur…).',
    'cart.variant_unknown': 'Cette variante n’existe pas pour ce produit.',
  },
  en: {
    'error.variant_required': 'Choose a variant of this product.',
    'cart.variant_required': 'Choose a variant of this product (size, colour…).',
    'cart.variant_unknown': 'This variant does not exist for this product.',
  },
};

export default messages;
