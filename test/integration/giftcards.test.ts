import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { AppError, ValidationError } from '../../src/lib/errors.ts';
import {
  checkBalance,
  issueGiftCard,
  normaliseCode,
  redeemGiftCard,
  refundGiftCard,
  setParticipation,
  settlementReport,
} from '../../src/modules/giftcards/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const future = new Date(Date.now() + 90 * 86400_000).toISOString();

describe(`gift cards (${TEST_DB_KIND})`, () => {
  let t: TestDatabase;
  let db: Kysely<DB>;
  let r: MiniRegion;
  before(async () => {
    t = await createTestDatabase();
    db = t.database.db;
    r = await seedMiniRegion(db);
    await setParticipation(db, r.merchants.erabliere.merchant_id, true);
    await setParticipation(db, r.merchants.sports.merchant_id, true);
  });
  after(() => t.cleanup());

  test('issue: unguessable code shown once, stored hashed, bonus apart with its validity', async () => {
    const card = await issueGiftCard(db, {
      paidCents: 5000,
      bonusPercent: 20,
      bonusExpiresAt: future,
      sponsor: 'Caisse',
    });
    assert.match(card.code, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    assert.equal(card.bonus_cents, 1000);
    const row = await db
      .selectFrom('gift_cards')
      .selectAll()
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(normaliseCode(card.code)), 'the code is not stored in clear');
    const other = await issueGiftCard(db, { paidCents: 5000 });
    assert.notEqual(other.code, card.code);
    const bal = await checkBalance(db, card.code.toLowerCase(), '127.0.0.1');
    assert.equal(bal.paid_balance_cents, 5000);
    assert.equal(bal.bonus_balance_cents, 1000);
    assert.equal(bal.bonus_expires_at, future);
  });

  test('bad input refused: negative or out-of-range amounts, bonus without validity', async () => {
    await assert.rejects(issueGiftCard(db, { paidCents: -5000 }), ValidationError);
    await assert.rejects(issueGiftCard(db, { paidCents: 10 }), ValidationError);
    await assert.rejects(issueGiftCard(db, { paidCents: 5000, bonusCents: 500 }), ValidationError);
    const card = await issueGiftCard(db, { paidCents: 2500 });
    for (const amountCents of [0, -100, 1.5]) {
      await assert.rejects(
        db.transaction().execute((trx) =>
          redeemGiftCard(trx, {
            code: card.code,
            merchantId: r.merchants.erabliere.merchant_id,
            amountCents,
            orderRef: 'neg',
          }),
        ),
        ValidationError,
      );
    }
    const row = await db
      .selectFrom('gift_cards')
      .selectAll()
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.paid_balance_cents, 2500, 'nothing lost');
  });

  test('spends bonus first, across several checkouts; ledger and settlement keep parts apart', async () => {
    const card = await issueGiftCard(db, { paidCents: 5000, bonusPercent: 20, bonusExpiresAt: future });
    const m1 = r.merchants.erabliere.merchant_id;
    const m2 = r.merchants.sports.merchant_id;
    const a = await db
      .transaction()
      .execute((trx) =>
        redeemGiftCard(trx, { code: card.code, merchantId: m1, amountCents: 1500, orderRef: 'o-1' }),
      );
    assert.deepEqual([a.bonus_cents, a.paid_cents, a.balance_after_cents], [1000, 500, 4500]);
    const b = await db
      .transaction()
      .execute((trx) =>
        redeemGiftCard(trx, { code: card.code, merchantId: m2, amountCents: 4000, orderRef: 'o-2' }),
      );
    assert.deepEqual([b.bonus_cents, b.paid_cents, b.balance_after_cents], [0, 4000, 500]);
    await assert.rejects(
      db
        .transaction()
        .execute((trx) =>
          redeemGiftCard(trx, { code: card.code, merchantId: m2, amountCents: 501, orderRef: 'o-3' }),
        ),
      (e: AppError) => e.code === 'payment_failed' && e.messageKey === 'giftcard.insufficient',
    );
    await assert.rejects(
      db
        .transaction()
        .execute((trx) =>
          redeemGiftCard(trx, { code: card.code, merchantId: m1, amountCents: 100, orderRef: 'o-1' }),
        ),
      (e: AppError) => e.code === 'conflict',
      'same order cannot redeem twice',
    );
    // Cancellation gives back to the same parts.
    const back = await db
      .transaction()
      .execute((trx) => refundGiftCard(trx, { code: card.code, orderRef: 'o-1' }));
    assert.deepEqual([back.bonus_cents, back.paid_cents], [1000, 500]);
    await assert.rejects(
      db.transaction().execute((trx) => refundGiftCard(trx, { cardId: card.id, orderRef: 'o-1' })),
      (e: AppError) => e.code === 'conflict',
    );
    // An order cancelled later is refunded from its payment reference alone.
    const later = await db.transaction().execute((trx) => refundGiftCard(trx, { orderRef: 'o-2' }));
    assert.deepEqual([later.card_id, later.paid_cents], [card.id, 4000]);
    await assert.rejects(
      db.transaction().execute((trx) => refundGiftCard(trx, { orderRef: 'nope' })),
      (e: AppError) => e.code === 'not_found',
    );
    const bal = await checkBalance(db, card.code, '127.0.0.1');
    assert.equal(bal.paid_balance_cents + bal.bonus_balance_cents, 6000);
    assert.deepEqual(
      bal.ledger.map((l) => l.kind),
      ['issue', 'redeem', 'redeem', 'refund', 'refund'],
    );
    const report = await settlementReport(db, {}, [m1, m2]);
    const s1 = report.find((x) => x.merchant_id === m1)!;
    const s2 = report.find((x) => x.merchant_id === m2)!;
    assert.deepEqual([s1.paid_cents, s1.bonus_cents], [0, 0], 'refunded order owes nothing');
    assert.deepEqual([s2.paid_cents, s2.bonus_cents, s2.total_cents, s2.redemptions], [0, 0, 0, 1]);
  });

  test('settlement per merchant over a period: paid part and sponsor bonus apart', async () => {
    // A time-based boundary, not an event: the period must start strictly after the previous
    // test's ledger entries, so a few milliseconds have to pass on the clock.
    await new Promise((res) => setTimeout(res, 5));
    const from = new Date().toISOString();
    const card = await issueGiftCard(db, { paidCents: 5000, bonusCents: 1000, bonusExpiresAt: future });
    const m1 = r.merchants.erabliere.merchant_id;
    await db
      .transaction()
      .execute((trx) =>
        redeemGiftCard(trx, { code: card.code, merchantId: m1, amountCents: 1500, orderRef: 's-1' }),
      );
    await db
      .transaction()
      .execute((trx) =>
        redeemGiftCard(trx, { code: card.code, merchantId: m1, amountCents: 700, orderRef: 's-2' }),
      );
    const [row] = await settlementReport(db, { from, to: new Date(Date.now() + 60_000).toISOString() }, [m1]);
    assert.deepEqual(
      [row.redemptions, row.bonus_cents, row.paid_cents, row.total_cents],
      [2, 1000, 1200, 2200],
    );
    const none = await settlementReport(db, { from: new Date(Date.now() + 60_000).toISOString() }, [m1]);
    assert.equal(none.length, 0);
  });

  test('expired bonus is not spendable; the paid amount never expires', async () => {
    const card = await issueGiftCard(db, {
      paidCents: 2000,
      bonusCents: 500,
      bonusExpiresAt: new Date(Date.now() + 1000).toISOString(),
    });
    const later = new Date(Date.now() + 5 * 365 * 86400_000);
    const res = await db.transaction().execute((trx) =>
      redeemGiftCard(trx, {
        code: card.code,
        merchantId: r.merchants.erabliere.merchant_id,
        amountCents: 2000,
        orderRef: 'late',
        now: later,
      }),
    );
    assert.deepEqual([res.bonus_cents, res.paid_cents], [0, 2000]);
    await assert.rejects(
      db.transaction().execute((trx) =>
        redeemGiftCard(trx, {
          code: card.code,
          merchantId: r.merchants.erabliere.merchant_id,
          amountCents: 1,
          orderRef: 'late2',
          now: later,
        }),
      ),
      (e: AppError) => e.messageKey === 'giftcard.insufficient',
    );
  });

  test('non-participating merchant and out-of-association merchant are refused, nothing debited', async () => {
    const aylmerCard = await issueGiftCard(db, { paidCents: 3000, associationId: r.associations.aylmer });
    await assert.rejects(
      db.transaction().execute((trx) =>
        redeemGiftCard(trx, {
          code: aylmerCard.code,
          merchantId: r.merchants.sports.merchant_id,
          amountCents: 100,
          orderRef: 'x',
        }),
      ),
      (e: AppError) => e.messageKey === 'giftcard.merchant_not_participating',
    );
    await setParticipation(db, r.merchants.erabliere.merchant_id, false);
    await assert.rejects(
      db.transaction().execute((trx) =>
        redeemGiftCard(trx, {
          code: aylmerCard.code,
          merchantId: r.merchants.erabliere.merchant_id,
          amountCents: 100,
          orderRef: 'y',
        }),
      ),
      (e: AppError) => e.messageKey === 'giftcard.merchant_not_participating',
    );
    await setParticipation(db, r.merchants.erabliere.merchant_id, true);
    const pending = await issueGiftCard(db, { paidCents: 3000, status: 'pending' });
    await assert.rejects(
      db.transaction().execute((trx) =>
        redeemGiftCard(trx, {
          code: pending.code,
          merchantId: r.merchants.erabliere.merchant_id,
          amountCents: 100,
          orderRef: 'z',
        }),
      ),
      (e: AppError) => e.messageKey === 'giftcard.not_active',
    );
    const row = await db
      .selectFrom('gift_cards')
      .selectAll()
      .where('id', '=', aylmerCard.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.paid_balance_cents, 3000);
  });

  test('concurrent checkouts spending the same card never exceed its balance', async () => {
    const card = await issueGiftCard(db, { paidCents: 5000, bonusCents: 1000, bonusExpiresAt: future });
    const m = r.merchants.erabliere.merchant_id;
    const N = 10;
    const results = await Promise.allSettled(
      Array.from({ length: N }, (_, i) =>
        db.transaction().execute(async (trx) => {
          const red = await redeemGiftCard(trx, {
            code: card.code,
            merchantId: m,
            amountCents: 1500,
            orderRef: `c-${i}`,
          });
          await sleep(20); // the checkout keeps working inside its transaction: widen the race window
          return red;
        }),
      ),
    );
    const ok = results.filter((x) => x.status === 'fulfilled');
    const failed = results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(ok.length, 4, '4 × 15 $ fit in 60 $');
    for (const f of failed) assert.ok(f.reason instanceof AppError, String(f.reason));
    const row = await db
      .selectFrom('gift_cards')
      .selectAll()
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.paid_balance_cents + row.bonus_balance_cents, 0);
    const spent = await db
      .selectFrom('gift_card_ledger')
      .select(['paid_delta_cents', 'bonus_delta_cents'])
      .where('card_id', '=', card.id)
      .where('kind', '=', 'redeem')
      .execute();
    assert.equal(spent.length, 4);
    assert.equal(
      spent.reduce((s, l) => s - l.paid_delta_cents - l.bonus_delta_cents, 0),
      6000,
    );
  });

  test('unknown codes are refused and logged; too many failures lock the address out', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 10; i++) {
      await assert.rejects(
        checkBalance(db, `AAAA-BBBB-CCCC-${String(1000 + i)}`, ip),
        (e: AppError) => e.code === 'not_found',
      );
    }
    const logged = await db.selectFrom('gift_card_attempts').selectAll().where('ip', '=', ip).execute();
    assert.equal(logged.length, 10);
    assert.equal(logged[0].code_prefix, 'AAAA', 'only a prefix is logged, never a whole guessed code');
    const real = await issueGiftCard(db, { paidCents: 1000 });
    await assert.rejects(checkBalance(db, real.code, ip), (e: AppError) => e.code === 'rate_limited');
    assert.equal((await checkBalance(db, real.code, '192.0.2.78')).paid_balance_cents, 1000);
  });
});
