import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatMoney } from '../../src/i18n/index.ts';
import {
  computeDiscountedTotals,
  computeTotals,
  GST_RATE_PPK,
  type PlatformTaxes,
  platformTaxesOf,
  QST_RATE_PPK,
  REGISTERED,
  sumTotals,
  taxCollectionFor,
  taxOn,
} from '../../src/modules/taxes/index.ts';

describe('Québec taxes (Revenu Québec’s worked examples)', () => {
  it('$100.00 taxable -> GST $5.00, QST $9.98, total $114.98', () => {
    const t = computeTotals([{ unit_price_cents: 10000, quantity: 1, tax_class: 'standard' }]);
    assert.deepEqual(t, {
      subtotal_cents: 10000,
      delivery_fee_cents: 0,
      taxable_cents: 10000,
      gst_cents: 500,
      qst_cents: 998,
      total_cents: 11498,
    });
    assert.equal(formatMoney(t.total_cents, 'fr'), '114,98\u00a0$');
    assert.equal(formatMoney(t.total_cents, 'en'), '$114.98');
  });

  it('zero-rated groceries only: no tax, and the delivery fee is not taxed either', () => {
    // 2 × maple syrup 12.99 + eggs 5.49, delivered for 5.00
    const t = computeTotals(
      [
        { unit_price_cents: 1299, quantity: 2, tax_class: 'zero_rated' },
        { unit_price_cents: 549, quantity: 1, tax_class: 'zero_rated' },
      ],
      500,
    );
    assert.equal(t.subtotal_cents, 3147);
    assert.equal(t.taxable_cents, 0);
    assert.equal(t.gst_cents, 0);
    assert.equal(t.qst_cents, 0);
    assert.equal(t.total_cents, 3647);
  });

  it('mixed order: only the taxable goods and the delivery fee are taxed; exempt goods carry no tax', () => {
    // maple taffy 6.99 (standard) + syrup 12.99 (zero-rated) + exempt 10.00, delivery 5.00
    const t = computeTotals(
      [
        { unit_price_cents: 699, quantity: 1, tax_class: 'standard' },
        { unit_price_cents: 1299, quantity: 1, tax_class: 'zero_rated' },
        { unit_price_cents: 1000, quantity: 1, tax_class: 'exempt' },
      ],
      500,
    );
    assert.equal(t.subtotal_cents, 2998);
    assert.equal(t.taxable_cents, 1199); // 6.99 + 5.00
    assert.equal(t.gst_cents, 60); // 59.95 -> 60
    assert.equal(t.qst_cents, 120); // 119.60 -> 120
    assert.equal(t.total_cents, 2998 + 500 + 60 + 120);
  });

  it('rounding: exactly half a cent rounds up, less rounds down; tax is on the invoice total, not per line', () => {
    assert.equal(taxOn(10, GST_RATE_PPK), 1); // 0.5 cent -> 1
    assert.equal(taxOn(9, GST_RATE_PPK), 0); // 0.45 cent -> 0
    assert.equal(taxOn(200, QST_RATE_PPK), 20); // 19.95 -> 20
    assert.equal(taxOn(5, QST_RATE_PPK), 0); // 0.49875 -> 0
    // Three items at 0.10: per line GST would be 3 × 1 = 3 cents; on the total (0.30) it is 1.5 -> 2.
    const t = computeTotals([{ unit_price_cents: 10, quantity: 3, tax_class: 'standard' }]);
    assert.equal(t.gst_cents, 2);
    assert.equal(t.qst_cents, 3); // 2.9925 -> 3
  });
});

describe('tax properties', () => {
  const line = fc.record({
    unit_price_cents: fc.integer({ min: 0, max: 500_000 }),
    quantity: fc.integer({ min: 1, max: 999 }),
    tax_class: fc.constantFrom('standard', 'zero_rated', 'exempt'),
  });
  it('each order adds up, taxes match the exact rational rate within half a cent, and splitting never loses a cent', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.array(line, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 2000 })),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        (orders) => {
          const each = orders.map(([lines, fee]) => computeTotals(lines, fee));
          for (const [i, t] of each.entries()) {
            assert.equal(t.total_cents, t.subtotal_cents + t.delivery_fee_cents + t.gst_cents + t.qst_cents);
            assert.ok(Math.abs(t.gst_cents - (t.taxable_cents * 5) / 100) <= 0.5);
            assert.ok(Math.abs(t.qst_cents - (t.taxable_cents * 9.975) / 100) <= 0.5 + 1e-9);
            const lines = orders[i][0];
            const sub = lines.reduce((s, l) => s + l.unit_price_cents * l.quantity, 0);
            assert.equal(t.subtotal_cents, sub);
            if (lines.every((l) => l.tax_class !== 'standard')) assert.equal(t.gst_cents + t.qst_cents, 0);
          }
          const all = sumTotals(each);
          assert.equal(
            all.total_cents,
            each.reduce((s, t) => s + t.total_cents, 0),
          );
          assert.equal(
            all.total_cents,
            all.subtotal_cents + all.delivery_fee_cents + all.gst_cents + all.qst_cents,
          );
          for (const v of Object.values(all)) assert.ok(Number.isSafeInteger(v) && v >= 0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('small suppliers and the platform collecting (decision record 0005)', () => {
  const platform = (collection: PlatformTaxes['collection']): PlatformTaxes => ({
    collection,
    legal_name: 'Comptoir Estrie inc.',
    gst_number: '987654321RT0001',
    qst_number: '9876543210TQ0001',
  });
  // Maple taffy 6.99 (standard) + syrup 12.99 (zero-rated), delivered for 5.00.
  const lines = [
    { unit_price_cents: 699, quantity: 1, tax_class: 'standard' },
    { unit_price_cents: 1299, quantity: 1, tax_class: 'zero_rated' },
  ];

  it('a registered merchant collects both taxes whatever the platform does', () => {
    for (const c of ['none', 'qst', 'qst_gst'] as const) {
      const tc = taxCollectionFor('registered', platform(c));
      assert.deepEqual(tc, REGISTERED);
      const t = computeTotals(lines, 500, tc);
      assert.deepEqual(t, computeTotals(lines, 500), 'the same as before migration 008');
      assert.equal(t.taxable_cents, 1199);
      assert.equal(t.gst_cents, 60); // 59.95 -> 60
      assert.equal(t.qst_cents, 120); // 119.60 -> 120
      assert.equal(t.total_cents, 1998 + 500 + 60 + 120);
    }
  });

  it('a small supplier, platform not collecting: no GST, no QST, nothing taxable', () => {
    const tc = taxCollectionFor('small_supplier', platform('none'));
    assert.deepEqual(tc, { regime: 'small_supplier', gst: false, qst: false });
    const t = computeTotals(lines, 500, tc);
    assert.deepEqual(t, {
      subtotal_cents: 1998,
      delivery_fee_cents: 500,
      taxable_cents: 0,
      gst_cents: 0,
      qst_cents: 0,
      total_cents: 2498,
    });
  });

  it('a small supplier, platform collecting the QST: QST on the taxable goods and the fee, no GST', () => {
    const tc = taxCollectionFor('small_supplier', platform('qst'));
    assert.equal(tc.regime, 'platform');
    assert.equal(tc.gst, false);
    assert.equal(tc.qst, true);
    assert.deepEqual(tc.platform, {
      legal_name: 'Comptoir Estrie inc.',
      gst_number: '987654321RT0001',
      qst_number: '9876543210TQ0001',
    });
    const t = computeTotals(lines, 500, tc);
    assert.equal(t.taxable_cents, 1199);
    assert.equal(t.gst_cents, 0);
    assert.equal(t.qst_cents, 120);
    assert.equal(t.total_cents, 1998 + 500 + 120);
    // $100.00 of taxable goods: QST $9.98 only, total $109.98.
    const hundred = computeTotals([{ unit_price_cents: 10000, quantity: 1, tax_class: 'standard' }], 0, tc);
    assert.equal(hundred.qst_cents, 998);
    assert.equal(hundred.total_cents, 10998);
    assert.equal(formatMoney(hundred.total_cents, 'fr'), '109,98\u00a0$');
  });

  it('an operator that also collects the GST (qst_gst): both taxes, as a registered merchant would', () => {
    const tc = taxCollectionFor('small_supplier', platform('qst_gst'));
    assert.equal(tc.regime, 'platform');
    const t = computeTotals(lines, 500, tc);
    assert.equal(t.gst_cents, 60);
    assert.equal(t.qst_cents, 120);
  });

  it('zero-rated goods of a small supplier stay untaxed when the platform collects', () => {
    const t = computeTotals(
      [{ unit_price_cents: 1299, quantity: 2, tax_class: 'zero_rated' }],
      500,
      taxCollectionFor('small_supplier', platform('qst')),
    );
    assert.equal(t.taxable_cents, 0);
    assert.equal(t.qst_cents, 0);
    assert.equal(t.total_cents, 2598 + 500);
  });

  it('a promo discount comes before the platform’s QST', () => {
    const tc = taxCollectionFor('small_supplier', platform('qst'));
    const t = computeDiscountedTotals(
      [{ unit_price_cents: 10000, quantity: 1, tax_class: 'standard', discount_cents: 1000 }],
      0,
      tc,
    );
    assert.equal(t.taxable_cents, 9000);
    assert.equal(t.gst_cents, 0);
    assert.equal(t.qst_cents, 898); // 897.75 -> 898
    assert.equal(t.total_cents, 9000 + 898);
    const none = computeDiscountedTotals(
      [{ unit_price_cents: 10000, quantity: 1, tax_class: 'standard', discount_cents: 1000 }],
      0,
      taxCollectionFor('small_supplier', platform('none')),
    );
    assert.equal(none.total_cents, 9000);
  });

  it('region settings: an unknown collection reads as none; the legal name falls back to the region name', () => {
    const base = {
      name: 'Comptoir Estrie',
      platform_legal_name: '',
      platform_gst_number: '',
      platform_qst_number: '',
    };
    assert.equal(platformTaxesOf({ ...base, platform_tax_collection: 'bogus' }).collection, 'none');
    assert.equal(platformTaxesOf({ ...base, platform_tax_collection: 'qst' }).legal_name, 'Comptoir Estrie');
  });
});
