import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { createCampaign, recordVisit } from '../../src/modules/campaigns/index.ts';
import { issueGiftCard, redeemGiftCard, setParticipation } from '../../src/modules/giftcards/index.ts';
import { campaignFigures, impactCsv, impactFigures } from '../../src/modules/impact/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';

/** Writes an order the way the checkout stores it (cart, checkout, order, lines). */
export async function placeOrder(
  db: Kysely<DB>,
  o: {
    merchant: { merchant_id: number; location_id: number };
    lines: { product_id: number; quantity: number; unit_price_cents: number }[];
    method?: 'pickup' | 'delivery';
    status?: 'placed' | 'cancelled' | 'completed';
    at: string;
  },
) {
  const cart = await db
    .insertInto('carts')
    .values({ token_hash: `t-${Math.random()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const subtotal = o.lines.reduce((s, l) => s + l.quantity * l.unit_price_cents, 0);
  const co = await db
    .insertInto('checkouts')
    .values({
      cart_id: cart.id,
      idempotency_key: `k-${cart.id}`,
      status: 'confirmed',
      payment_method: 'in_store',
      customer_json: '{}',
      total_cents: subtotal,
      expires_at: o.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const order = await db
    .insertInto('orders')
    .values({
      checkout_id: co.id,
      merchant_id: o.merchant.merchant_id,
      user_id: null,
      status: o.status ?? 'completed',
      customer_name: 'Client',
      customer_email: 'client@example.org',
      customer_phone: null,
      fulfilment_method: o.method ?? 'pickup',
      location_id: o.merchant.location_id,
      delivery_address_json: null,
      subtotal_cents: subtotal,
      taxable_cents: 0,
      gst_cents: 0,
      qst_cents: 0,
      total_cents: subtotal,
      payment_method: 'in_store',
      payment_reference: null,
      access_token_hash: `h-${cart.id}`,
      created_at: o.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const l of o.lines)
    await db
      .insertInto('order_lines')
      .values({
        order_id: order.id,
        product_id: l.product_id,
        location_id: o.merchant.location_id,
        sku: 'x',
        title: 'x',
        tax_class: 'standard',
        quantity: l.quantity,
        unit_price_cents: l.unit_price_cents,
        line_total_cents: l.quantity * l.unit_price_cents,
      })
      .execute();
  return order.id;
}

describe(`impact figures (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let db: Kysely<DB>;
  let r: MiniRegion;
  // October 2026 in Toronto (the series' days are local days there).
  const from = '2026-10-01T04:00:00.000Z';
  const to = '2026-11-01T04:00:00.000Z';
  before(async () => {
    t = await createTestDatabase();
    db = t.database.db;
    r = await seedMiniRegion(db);
    const { erabliere, sports } = r.merchants;
    // October: Aylmer 2 orders (one delivery), Chelsea 1; one cancelled; one outside the period.
    await placeOrder(db, {
      merchant: erabliere,
      lines: [
        { product_id: r.products.sirop, quantity: 2, unit_price_cents: 1299 },
        { product_id: r.products.oeufs, quantity: 1, unit_price_cents: 549 },
      ],
      at: '2026-10-02T15:00:00.000Z',
    });
    await placeOrder(db, {
      merchant: erabliere,
      lines: [{ product_id: r.products.tire, quantity: 1, unit_price_cents: 699 }],
      method: 'delivery',
      at: '2026-10-03T15:00:00.000Z',
    });
    await placeOrder(db, {
      merchant: sports,
      lines: [{ product_id: r.products.chaussures, quantity: 1, unit_price_cents: 12999 }],
      at: '2026-10-03T16:00:00.000Z',
    });
    await placeOrder(db, {
      merchant: sports,
      lines: [{ product_id: r.products.chaussures, quantity: 1, unit_price_cents: 12999 }],
      status: 'cancelled',
      at: '2026-10-04T16:00:00.000Z',
    });
    await placeOrder(db, {
      merchant: sports,
      lines: [{ product_id: r.products.chaussures, quantity: 1, unit_price_cents: 12999 }],
      at: '2026-11-04T16:00:00.000Z',
    });
  });
  after(() => t.cleanup());

  test('region: orders, sales, municipalities, associations, Québec share, fulfilment, active merchants', async () => {
    const f = await impactFigures(db, { from, to, timeZone: 'America/Toronto' });
    assert.equal(f.orders, 3);
    assert.equal(f.sales_cents, 2 * 1299 + 549 + 699 + 12999);
    assert.deepEqual(f.by_municipality, [
      { municipality: 'Chelsea', orders: 1, sales_cents: 12999 },
      { municipality: 'Aylmer', orders: 2, sales_cents: 2 * 1299 + 549 + 699 },
    ]);
    assert.deepEqual(
      f.by_association.map((a) => [a.slug, a.orders]),
      [
        ['chelsea', 1],
        ['aylmer', 2],
      ],
    );
    assert.equal(f.quebec_sales_cents, 2 * 1299 + 699);
    assert.ok(Math.abs(f.quebec_share - (2 * 1299 + 699) / (2 * 1299 + 549 + 699 + 12999)) < 1e-9);
    assert.deepEqual([f.pickup_orders, f.delivery_orders], [2, 1]);
    assert.deepEqual([f.active_merchants, f.merchants], [2, 2]);
    assert.equal(f.series.length, 31);
    assert.deepEqual(
      f.series.find((d) => d.day === '2026-10-03'),
      { day: '2026-10-03', orders: 2, sales_cents: 699 + 12999 },
    );
  });

  test('association scope only counts its members; CSV export', async () => {
    const f = await impactFigures(db, {
      from,
      to,
      associationId: r.associations.aylmer,
      timeZone: 'America/Toronto',
    });
    assert.equal(f.orders, 2);
    assert.deepEqual(
      f.by_municipality.map((m) => m.municipality),
      ['Aylmer'],
    );
    assert.deepEqual([f.active_merchants, f.merchants], [1, 1]);
    const rows = parse(impactCsv(f), { columns: true }) as Record<string, string>[];
    assert.equal(rows.find((x) => x.section === 'total')?.orders, '2');
    assert.equal(rows.find((x) => x.section === 'fulfilment' && x.key === 'delivery')?.orders, '1');
  });

  test('gift-card float and redemptions appear in the figures', async () => {
    await setParticipation(db, r.merchants.erabliere.merchant_id, true);
    const card = await issueGiftCard(db, { paidCents: 5000, associationId: r.associations.aylmer });
    await db.transaction().execute((trx) =>
      redeemGiftCard(trx, {
        code: card.code,
        merchantId: r.merchants.erabliere.merchant_id,
        amountCents: 1200,
        orderRef: 'g1',
      }),
    );
    const f = await impactFigures(db, {
      from: '2000-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
      associationId: r.associations.aylmer,
      timeZone: 'America/Toronto',
    });
    assert.equal(f.giftcards.float_paid_cents, 3800);
    assert.equal(f.giftcards.redeemed_cents, 1200);
    const chelsea = await impactFigures(db, {
      from,
      to,
      associationId: r.associations.chelsea,
      timeZone: 'America/Toronto',
    });
    assert.equal(chelsea.giftcards.float_paid_cents, 0);
  });

  test('campaign figures: visits, orders and sales at its merchants during its period', async () => {
    const c = await createCampaign(db, {
      association_id: r.associations.aylmer,
      title_fr: 'Octobre à Aylmer',
      title_en: 'October in Aylmer',
      starts_at: from,
      ends_at: to,
    });
    await recordVisit(db, c.id);
    await recordVisit(db, c.id);
    const f = await campaignFigures(db, c.id);
    // No code of this campaign was used: the promo figures are zero, not missing.
    assert.deepEqual(f, {
      visits: 2,
      orders: 2,
      sales_cents: 2 * 1299 + 549 + 699,
      promo_uses: 0,
      promo_orders: 0,
      promo_sales_cents: 0,
      promo_discount_cents: 0,
    });
  });
});
