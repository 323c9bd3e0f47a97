import type { MessageBundle } from '../index.ts';

/**
 * Settlement by period (issue 15): the gift-card settlement report and the merchant's statement
 * are about the sales made in the period chosen; transferred and pending are their state today.
 */
const messages: MessageBundle = {
  fr: {
    'settlement.report_note':
      'Rachats faits pendant la période, nets des commandes annulées depuis\u00a0; «\u00a0versé\u00a0» et «\u00a0à verser\u00a0» disent où en sont ces rachats aujourd’hui.',
    'settlement.settled_to_date': 'Versé à ce jour (Stripe)',
    'settlement.pending_today': 'À verser aujourd’hui',
    'settlement.statement_note':
      'Ventes faites pendant la période (par carte et par carte-cadeau), avec leurs remboursements, frais et virements, même faits après\u00a0; «\u00a0en attente\u00a0» est leur état aujourd’hui.',
    'settlement.statement_all': 'Toutes les ventes depuis le début.',
    'settlement.gift_cards_returned': 'Cartes-cadeaux rendues (commandes annulées)',
    'settlement.pending_today_statement': 'En attente de virement aujourd’hui',
    'settlement.bad_date': 'Date invalide (AAAA-MM-JJ).',
  },
  en: {
    'settlement.report_note':
      'Redemptions made in the period, net of orders cancelled since; “paid out” and “to pay out” are where those redemptions stand today.',
    'settlement.settled_to_date': 'Paid out to date (Stripe)',
    'settlement.pending_today': 'To pay out as of today',
    'settlement.statement_note':
      'Sales made in the period (by card and by gift card), with their refunds, fees and transfers, even when made later; “pending” is where they stand today.',
    'settlement.statement_all': 'Every sale since the start.',
    'settlement.gift_cards_returned': 'Gift cards given back (orders cancelled)',
    'settlement.pending_today_statement': 'Pending transfer as of today',
    'settlement.bad_date': 'Invalid date (YYYY-MM-DD).',
  },
};

export default messages;
