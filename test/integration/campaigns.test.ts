import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { type AppError, ValidationError } from '../../src/lib/errors.ts';
import { seedDemoCampaigns } from '../../src/modules/campaigns/demo.ts';
import {
  activeCampaigns,
  consumePromoCode,
  createCampaign,
  createPromoCode,
  validatePromoCode,
} from '../../src/modules/campaigns/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';

const day = 86400_000;
const running = () => ({
  starts_at: new Date(Date.now() - day).toISOString(),
  ends_at: new Date(Date.now() + 10 * day).toISOString(),
});

describe(`campaigns and promo codes (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let db: Kysely<DB>;
  let r: MiniRegion;
  let regional: number;
  let aylmer: number;
  before(async () => {
    t = await createTestDatabase();
    db = t.database.db;
    r = await seedMiniRegion(db);
    regional = (
      await createCampaign(db, {
        title_fr: 'Achat local Outaouais',
        title_en: 'Buy local Outaouais',
        ...running(),
      })
    ).id;
    aylmer = (
      await createCampaign(db, {
        association_id: r.associations.aylmer,
        title_fr: 'Achetez Aylmer',
        title_en: 'Buy Aylmer',
        ...running(),
      })
    ).id;
  });
  after(() => t.cleanup());

  test('bad campaigns refused: period reversed, a local campaign featuring another association’s merchant', async () => {
    await assert.rejects(
      createCampaign(db, {
        title_fr: 'Inversée',
        title_en: 'Reversed',
        starts_at: '2026-12-01',
        ends_at: '2026-11-01',
      }),
      (e: ValidationError) => e.issues.some((i) => i.message === 'campaign.period_invalid'),
    );
    await assert.rejects(
      createCampaign(db, {
        association_id: r.associations.aylmer,
        title_fr: 'Mauvaise',
        title_en: 'Wrong',
        ...running(),
        merchant_ids: [r.merchants.sports.merchant_id],
      }),
      (e: ValidationError) => e.issues.some((i) => i.message === 'campaign.merchant_not_member'),
    );
  });

  test('active campaigns: regional first; an association sees its own and the regional ones', async () => {
    const all = await activeCampaigns(db);
    assert.equal(all[0].id, regional);
    const chelsea = await activeCampaigns(db, { associationId: r.associations.chelsea });
    assert.deepEqual(
      chelsea.map((c) => c.id),
      [regional],
    );
  });

  test('promo codes: overlapping codes, negative or out-of-range values refused', async () => {
    await createPromoCode(db, regional, { code: 'local10', kind: 'percent', value: 10 });
    await assert.rejects(
      createPromoCode(db, aylmer, { code: 'LOCAL10', kind: 'amount', value: 500 }),
      (e: ValidationError) => e.issues[0].message === 'promo.code_taken',
    );
    await assert.rejects(
      createPromoCode(db, aylmer, { code: 'NEG', kind: 'amount', value: -500 }),
      ValidationError,
    );
    await assert.rejects(
      createPromoCode(db, aylmer, { code: 'BIG', kind: 'percent', value: 150 }),
      ValidationError,
    );
    await assert.rejects(
      createPromoCode(db, aylmer, {
        code: 'OTHER',
        kind: 'amount',
        value: 500,
        merchant_id: r.merchants.sports.merchant_id,
      }),
      ValidationError,
    );
  });

  test('percent code campaign-wide: discount per merchant', async () => {
    const res = await validatePromoCode(db, {
      code: ' local10 ',
      lines: [
        { merchantId: r.merchants.erabliere.merchant_id, subtotalCents: 2599 },
        { merchantId: r.merchants.sports.merchant_id, subtotalCents: 12999 },
      ],
    });
    assert.deepEqual(res.discounts, [
      { merchant_id: r.merchants.erabliere.merchant_id, discount_cents: 260 },
      { merchant_id: r.merchants.sports.merchant_id, discount_cents: 1300 },
    ]);
  });

  test('amount code of a local campaign: only its members, minimum, never more than the subtotal, limited uses', async () => {
    const code = await createPromoCode(db, aylmer, {
      code: 'AYLMER5',
      kind: 'amount',
      value: 500,
      min_subtotal_cents: 1000,
      max_uses: 2,
    });
    await assert.rejects(
      validatePromoCode(db, {
        code: 'AYLMER5',
        lines: [{ merchantId: r.merchants.sports.merchant_id, subtotalCents: 5000 }],
      }),
      (e: AppError) => e.messageKey === 'promo.not_for_these_merchants',
    );
    await assert.rejects(
      validatePromoCode(db, {
        code: 'AYLMER5',
        merchantIds: [r.merchants.erabliere.merchant_id],
        subtotalCents: 999,
      }),
      (e: AppError) => e.messageKey === 'promo.below_minimum',
    );
    const ok = await validatePromoCode(db, {
      code: 'aylmer5',
      lines: [
        { merchantId: r.merchants.erabliere.merchant_id, subtotalCents: 1200 },
        { merchantId: r.merchants.sports.merchant_id, subtotalCents: 5000 },
      ],
    });
    assert.deepEqual(ok.discounts, [{ merchant_id: r.merchants.erabliere.merchant_id, discount_cents: 500 }]);
    // Two uses allowed; concurrent checkouts cannot exceed the limit.
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => db.transaction().execute((trx) => consumePromoCode(trx, code.id))),
    );
    assert.equal(results.filter((x) => x.status === 'fulfilled').length, 2);
    const row = await db
      .selectFrom('promo_codes')
      .selectAll()
      .where('id', '=', code.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.uses, 2);
    await assert.rejects(
      validatePromoCode(db, {
        code: 'AYLMER5',
        merchantIds: [r.merchants.erabliere.merchant_id],
        subtotalCents: 5000,
      }),
      (e: AppError) => e.messageKey === 'promo.exhausted',
    );
  });

  test('unknown code and code of an ended campaign are refused', async () => {
    const ended = await createCampaign(db, {
      title_fr: 'Finie',
      title_en: 'Over',
      starts_at: new Date(Date.now() - 10 * day).toISOString(),
      ends_at: new Date(Date.now() - day).toISOString(),
    });
    await createPromoCode(db, ended.id, { code: 'OLD', kind: 'percent', value: 5 });
    const lines = [{ merchantId: r.merchants.erabliere.merchant_id, subtotalCents: 5000 }];
    await assert.rejects(
      validatePromoCode(db, { code: 'OLD', lines }),
      (e: AppError) => e.messageKey === 'promo.not_running',
    );
    await assert.rejects(
      validatePromoCode(db, { code: 'NOPE', lines }),
      (e: AppError) => e.messageKey === 'promo.unknown',
    );
  });

  test('demo campaigns: a regional one, one per association, card accepted by approved merchants; idempotent', async () => {
    const before = (await db.selectFrom('campaigns').select('id').execute()).length;
    await db.deleteFrom('campaigns').execute();
    const res = await seedDemoCampaigns(db);
    assert.equal(res.campaigns, 3);
    assert.equal((await seedDemoCampaigns(db)).campaigns, 0);
    const active = await activeCampaigns(db, { associationId: r.associations.aylmer });
    assert.deepEqual(
      active.map((c) => c.slug),
      ['achat-local-outaouais', 'achetez-aylmer'],
    );
    const accepting = await db.selectFrom('gift_card_merchants').select('merchant_id').execute();
    assert.equal(accepting.length, 2);
    assert.ok(before > 0);
  });
});
