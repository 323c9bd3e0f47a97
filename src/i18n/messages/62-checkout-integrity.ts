import type { MessageBundle } from '../index.ts';

/** Checkout integrity: the total the customer saw, merchants that no longer take orders. */
const messages: MessageBundle = {
  fr: {
    'error.merchant_unavailable': 'Ce commerce ne prend pas de commandes en ce moment.',
    'checkout_integrity.merchant_unavailable':
      'Ces articles viennent d’un commerce qui ne prend pas de commandes en ce moment ({merchants}) : {items}. Retirez-les de votre panier pour continuer.',
    'checkout_integrity.total_changed':
      'Le total est passé de {from} à {to}; vérifiez votre commande, puis confirmez-la.',
    'checkout_integrity.total_check': 'Vérifiez le total de votre commande, puis confirmez-la.',
    'cart.merchant_unavailable':
      'Ce commerce ne prend pas de commandes en ce moment : retirez ces articles pour passer votre commande.',
    'cart.merchant_line_unavailable': 'Indisponible',
  },
  en: {
    'error.merchant_unavailable': 'This merchant is not taking orders at the moment.',
    'checkout_integrity.merchant_unavailable':
      'These items come from a merchant that is not taking orders at the moment ({merchants}): {items}. Remove them from your cart to continue.',
    'checkout_integrity.total_changed':
      'The total changed from {from} to {to}; please check your order and confirm.',
    'checkout_integrity.total_check': 'Please check your order total and confirm.',
    'cart.merchant_unavailable':
      'This merchant is not taking orders at the moment: remove these items to place your order.',
    'cart.merchant_line_unavailable': 'Unavailable',
  },
};
export default messages;
