import type { MessageBundle } from '../index.ts';

/** Promo codes at checkout (src/workflows/promo.ts): form, summaries, receipts, campaign figures. */
const messages: MessageBundle = {
  fr: {
    'checkout.promo_code': 'Code promo (facultatif)',
    'checkout.promo_apply': 'Appliquer le code',
    'checkout.promo_applied': 'Code {code} appliqué : rabais de {amount} avant taxes.',
    'cart.discount': 'Rabais ({code})',
    'receipt.discount': 'Rabais {code}',
    'receipt.subtotal_after_discount': 'Sous-total après rabais',
    'campaign.promo_orders': 'Commandes avec un code de la campagne',
    'campaign.promo_sales': 'Ventes avec un code de la campagne',
    'campaign.promo_discounts': 'Rabais accordés',
  },
  en: {
    'checkout.promo_code': 'Promo code (optional)',
    'checkout.promo_apply': 'Apply code',
    'checkout.promo_applied': 'Code {code} applied: {amount} off before taxes.',
    'cart.discount': 'Discount ({code})',
    'receipt.discount': 'Discount {code}',
    'receipt.subtotal_after_discount': 'Subtotal after discount',
    'campaign.promo_orders': 'Orders with a campaign code',
    'campaign.promo_sales': 'Sales with a campaign code',
    'campaign.promo_discounts': 'Discounts given',
  },
};
export default messages;
