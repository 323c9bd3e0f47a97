import type { MessageBundle } from '../index.ts';

/**
 * Counted messages for `tp()`: one key per CLDR plural category (`.one`, `.other`). French treats
 * 0 and 1 as "one" ("0 produit", "1 produit", "2 produits"); English only 1.
 */
const messages: MessageBundle = {
  fr: {
    'search.count_n.one': '{count} produit à moins de {km} km',
    'search.count_n.other': '{count} produits à moins de {km} km',
    // A capped search (approximate): its count is a lower bound.
    'search.count_more_n.one': 'Plus de {count} produit à moins de {km} km',
    'search.count_more_n.other': 'Plus de {count} produits à moins de {km} km',
    'directory.count_n.one': '{count} commerce à moins de {km} km',
    'directory.count_n.other': '{count} commerces à moins de {km} km',
    'backoffice.product_count_n.one': '{count} produit',
    'backoffice.product_count_n.other': '{count} produits',
    'cart.items_n.one': '{count} article',
    'cart.items_n.other': '{count} articles',
    'console.pending_n.one': '{count} commerce en attente d’approbation',
    'console.pending_n.other': '{count} commerces en attente d’approbation',
    'home.members_n.one': '{count} commerce membre',
    'home.members_n.other': '{count} commerces membres',
    'cart.available_n.one': '{count} disponible',
    'cart.available_n.other': '{count} disponibles',
    'orders.count_n.one': '{count} commande',
    'orders.count_n.other': '{count} commandes',
  },
  en: {
    'search.count_n.one': '{count} product within {km} km',
    'search.count_n.other': '{count} products within {km} km',
    'search.count_more_n.one': 'More than {count} product within {km} km',
    'search.count_more_n.other': 'More than {count} products within {km} km',
    'directory.count_n.one': '{count} merchant within {km} km',
    'directory.count_n.other': '{count} merchants within {km} km',
    'backoffice.product_count_n.one': '{count} product',
    'backoffice.product_count_n.other': '{count} products',
    'cart.items_n.one': '{count} item',
    'cart.items_n.other': '{count} items',
    'console.pending_n.one': '{count} business awaiting approval',
    'console.pending_n.other': '{count} businesses awaiting approval',
    'home.members_n.one': '{count} member business',
    'home.members_n.other': '{count} member businesses',
    'cart.available_n.one': '{count} available',
    'cart.available_n.other': '{count} available',
    'orders.count_n.one': '{count} order',
    'orders.count_n.other': '{count} orders',
  },
};
export default messages;
