/**
 * The demo region's order history (DEMO ONLY): a few months of orders so the impact report, the
 * merchants' history and the dashboards show something on first start. Every order goes through
 * the real checkout (cart → reserve → in-store payment → order) and the real status changes
 * (accepted → ready → completed, a few cancelled); then the orders module's demo-only
 * `backdateDemoCheckout` moves it to its day. Deterministic for a seed (which products, quantities,
 * days and statuses); emails are not sent (a mailer that drops them).
 */
import type { Database } from '../../db/database.ts';
import { addItem, createCart } from '../../modules/cart/index.ts';
import { InProcessEventBus } from '../../modules/events/index.ts';
import type { Mailer } from '../../modules/mail/index.ts';
import { backdateDemoCheckout, transitionOrder } from '../../modules/orders/index.ts';
import { paymentMethods } from '../../modules/payments/index.ts';
import { type CheckoutDeps, checkout } from '../../workflows/checkout/index.ts';
import { Rng } from './generate.ts';

/** A product with stock at a pickup store of an approved merchant (collected while the catalogue is written). */
export interface OrderCandidate {
  merchant_id: number;
  product_id: number;
  location_id: number;
  on_hand: number;
}

const FIRST = [
  'Julie',
  'Marc',
  'Sophie',
  'Luc',
  'Nadia',
  'Éric',
  'Chloé',
  'Samuel',
  'Amélie',
  'Kevin',
  'Léa',
  'Omar',
];
const LAST = [
  'Tremblay',
  'Gagnon',
  'Roy',
  'Côté',
  'Bouchard',
  'Gauthier',
  'Morin',
  'Lavoie',
  'Fortin',
  'Nguyen',
];

const dropMail: Mailer = {
  async send() {
    return { id: 0, delivered: false };
  },
  async sendAll(msgs) {
    return msgs.map(() => ({ id: 0, delivered: false }));
  },
  close() {},
};

/**
 * Places `count` orders spread over the last `days` days (more in recent weeks), at most one unit
 * or two per line and never below 3 units left, and backdates them. Returns how many were placed.
 */
export async function seedDemoOrders(
  database: Database,
  candidates: OrderCandidate[],
  opts: { seed: number; count: number; days: number; now?: Date },
): Promise<number> {
  if (!candidates.length || opts.count <= 0) return 0;
  const rng = new Rng(opts.seed * 7919 + 17);
  const events = new InProcessEventBus();
  const deps: CheckoutDeps = {
    db: database.db,
    events,
    mailer: dropMail,
    secret: 'demo-history',
    payments: paymentMethods({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE: undefined }),
  };
  const byMerchant = new Map<number, OrderCandidate[]>();
  for (const c of candidates) {
    const pool = byMerchant.get(c.merchant_id);
    if (pool) pool.push(c);
    else byMerchant.set(c.merchant_id, [c]);
  }
  const merchants = [...byMerchant.keys()];
  // Units left of each candidate (it never goes below 3).
  const left = new Map(candidates.map((c) => [c, c.on_hand]));
  const now = opts.now ?? new Date();
  // Days ago, oldest first, denser towards today (a platform that grows).
  const ages = Array.from({ length: opts.count }, () => Math.floor(opts.days * (1 - Math.sqrt(rng.next()))))
    .map((d, i) => ({ d, minute: 9 * 60 + rng.int(10 * 60), i }))
    .sort((a, b) => b.d - a.d || a.minute - b.minute || a.i - b.i);
  let placed = 0;
  for (const age of ages) {
    // A popular few merchants get more orders (Pareto-like).
    const m = merchants[Math.floor(merchants.length * rng.next() ** 2)] as number;
    const pool = byMerchant.get(m) as OrderCandidate[];
    const lines: { c: OrderCandidate; quantity: number }[] = [];
    const lineCount = 1 + rng.int(3);
    for (let k = 0; k < lineCount; k++) {
      const c = pool[rng.int(pool.length)] as OrderCandidate;
      const quantity = 1 + rng.int(2);
      if (lines.some((l) => l.c === c) || (left.get(c) ?? 0) - quantity < 3) continue;
      if (lines.length && lines[0]?.c.location_id !== c.location_id) continue;
      lines.push({ c, quantity });
    }
    const first = FIRST[rng.int(FIRST.length)] as string;
    const last = LAST[rng.int(LAST.length)] as string;
    const roll = rng.next();
    if (!lines.length) continue;
    const cart = await createCart(database.db);
    try {
      for (const l of lines)
        await addItem(database.db, cart.cart_id, {
          product_id: l.c.product_id,
          quantity: l.quantity,
          location_id: l.c.location_id,
        });
    } catch {
      continue; // a product the cart refuses (not sold online): skipped, as a shopper would see it
    }
    const location = (lines[0] as { c: OrderCandidate }).c.location_id;
    const r = await checkout(
      deps,
      cart.cart_id,
      `demo-history-${placed}`,
      {
        customer: { name: `${first} ${last}`, email: `client${placed + 1}@exemple.demo` },
        fulfilment: { [String(m)]: { method: 'pickup', location_id: location } },
        payment: { method: 'in_store' },
      },
      'fr',
    );
    if (r.status !== 201) continue; // a refusal (e.g. stock) is skipped, as a shopper would see it
    const body = r.body as { checkout_id: number; orders: { order_id: number }[] };
    for (const l of lines) left.set(l.c, (left.get(l.c) ?? 0) - l.quantity);
    // Older orders are finished; the last two days keep some waiting for the merchant.
    const steps: ('accepted' | 'ready' | 'completed' | 'cancelled')[] =
      roll < 0.05
        ? ['cancelled']
        : age.d <= 1 && roll > 0.6
          ? roll > 0.8
            ? []
            : ['accepted']
          : ['accepted', 'ready', 'completed'];
    for (const o of body.orders)
      for (const to of steps)
        await transitionOrder(database.db, events, {
          orderId: o.order_id,
          merchantId: m,
          to,
          actor: `merchant:${m}`,
          reason: to === 'cancelled' ? 'Demo' : null,
        });
    const day = new Date(now.getTime() - age.d * 86_400_000);
    // Local business hours in Québec (UTC−5 in winter, −4 in summer: 14:00 UTC is 9 or 10 a.m.).
    const at = new Date(
      Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 14, 0) +
        age.minute * 60_000 -
        9 * 3_600_000,
    );
    const when = at.getTime() > now.getTime() ? new Date(now.getTime() - 60_000) : at;
    await backdateDemoCheckout(database.db, body.checkout_id, when.toISOString());
    placed++;
  }
  await events.settled();
  return placed;
}
