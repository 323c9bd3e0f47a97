/**
 * Which module owns which table (docs/ARCHITECTURE.md, "Modules and their tables").
 *
 * Only the owner's repositories (`*.repository.ts` in its folder) write a table; other modules call
 * the owner's public API (`index.ts`). A few modules are read models: they join tables of other
 * modules in their repositories to answer one question fast (search, reports, published data); each
 * such read is listed below with its reason and never writes. `scripts/check-architecture.ts`
 * enforces both in `npm run check` and CI.
 */

/** Owner of every table, by module folder (`src/modules/<name>`, or `lib/<name>` for `src/lib`). */
export const tableOwners = {
  region_settings: 'region',
  municipalities: 'towns',
  associations: 'associations',
  association_members: 'associations',
  categories: 'catalog',
  category_aliases: 'catalog',
  products: 'catalog',
  merchants: 'merchants',
  merchant_categories: 'merchants',
  locations: 'merchants',
  api_keys: 'merchants',
  staff_invitations: 'merchants',
  inventory_levels: 'inventory',
  reservations: 'inventory',
  users: 'accounts',
  user_roles: 'accounts',
  account_invitations: 'accounts',
  password_resets: 'accounts',
  sessions: 'sessions',
  login_failures: 'sessions',
  idempotency_keys: 'lib/idempotency',
  rate_limits: 'lib/rate-limit',
  campaigns: 'campaigns',
  campaign_merchants: 'campaigns',
  campaign_products: 'campaigns',
  campaign_visits: 'campaigns',
  promo_codes: 'campaigns',
  carts: 'cart',
  cart_items: 'cart',
  checkouts: 'orders',
  orders: 'orders',
  order_lines: 'orders',
  order_events: 'orders',
  order_taxes: 'taxes',
  merchant_payment_settings: 'payments',
  stripe_events: 'payments',
  payment_ledger: 'payments',
  payment_runs: 'payments',
  payment_unknown_intents: 'payments',
  gift_cards: 'giftcards',
  gift_card_ledger: 'giftcards',
  gift_card_merchants: 'giftcards',
  gift_card_attempts: 'giftcards',
  favourite_merchants: 'favourites',
  outbox: 'mail',
  image_fetches: 'media',
  search_documents: 'search',
  search_vocab: 'search',
  search_fts: 'search',
  webhooks: 'webhooks',
  webhook_deliveries: 'webhooks',
  shopsync_connections: 'shopsync',
  shopsync_items: 'shopsync',
  shopsync_receipts: 'shopsync',
  shopsync_pushes: 'shopsync',
  shopsync_log: 'shopsync',
} as const;

export type OwnedTable = keyof typeof tableOwners;

/**
 * Read models: tables a module may read (never write) in its own repositories, and why.
 * Anything else of another module goes through that module's public API.
 */
export const readModels: Record<string, { tables: OwnedTable[]; reason: string }[]> = {
  search: [
    {
      tables: [
        'products',
        'categories',
        'category_aliases',
        'merchants',
        'merchant_categories',
        'locations',
        'inventory_levels',
        'associations',
        'association_members',
        'municipalities',
      ],
      reason:
        'search is an index over offers: it joins products, their stores and live stock in one query per search',
    },
  ],
  impact: [
    {
      tables: [
        'orders',
        'order_lines',
        'merchants',
        'locations',
        'municipalities',
        'associations',
        'association_members',
        'products',
        'campaigns',
        'campaign_merchants',
        'campaign_visits',
        'gift_cards',
        'gift_card_ledger',
        'promo_codes',
      ],
      reason: 'the impact report aggregates sales by town, association and day in SQL over every order',
    },
  ],
  opendata: [
    {
      tables: [
        'merchants',
        'merchant_categories',
        'categories',
        'locations',
        'associations',
        'association_members',
      ],
      reason: 'published open data is one read-only projection of approved merchants and their stores',
    },
  ],
};
