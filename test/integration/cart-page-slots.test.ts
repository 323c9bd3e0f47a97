import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseClosures, parseHours, WEEK_DAYS } from '../../src/modules/common/hours.ts';
import { partsIn, zonedTimeToUtcUncached } from '../../src/modules/common/zoned-time.ts';
import {
  pickupSlots,
  regionTimeZone,
  slotSettingsOf,
  storePickupSlots,
} from '../../src/modules/orders/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

// Cart views keep each store's cut of slots between calls (storePickupSlots): the answer must be
// the one computed afresh at every instant, a started slot never offered, a store's change seen at once.

const TZ = 'America/Toronto';
let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A random store row's slot columns: 0–2 ranges a day, any slot length, preparation and closures. */
function randomStore() {
  const hours: Record<string, [string, string][]> = {};
  for (const d of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) {
    const ranges: [string, string][] = [];
    let at = 6 * 60 + Math.floor(random() * 8) * 30;
    for (let r = Math.floor(random() * 3); r > 0; r--) {
      const end = Math.min(24 * 60, at + 60 + Math.floor(random() * 10) * 30);
      ranges.push([hhmm(at), end === 24 * 60 ? '00:00' : hhmm(end)]);
      at = end + 30;
      if (at >= 23 * 60) break;
    }
    if (ranges.length) hours[d] = ranges;
  }
  return {
    hours_json: JSON.stringify(hours),
    pickup_slot_minutes: [15, 20, 30, 45, 60, 90][Math.floor(random() * 6)] as number,
    pickup_days_ahead: 1 + Math.floor(random() * 10),
    preparation_minutes: random() < 0.3 ? null : Math.floor(random() * 600),
    closures_json:
      random() < 0.5
        ? null
        : JSON.stringify([{ date: '2026-03-10' }, { date: '2026-12-08', label: 'Fermé' }]),
  };
}

/** The slots as computed before they were kept (the algorithm of pickupSlots until 2026-12-05), nothing memoised. */
function referenceSlots(l: ReturnType<typeof randomStore>, timeZone: string, now: Date): string[] {
  const hours = parseHours(l.hours_json) as Record<string, [string, string][]>;
  const closed = new Set(parseClosures(l.closures_json).map((c) => c.date));
  const earliest = now.getTime() + Math.max(0, Number(l.preparation_minutes ?? 0) || 0) * 60_000;
  const step = l.pickup_slot_minutes;
  const toMinutes = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3));
  const today = partsIn(now.getTime(), timeZone);
  const out: number[] = [];
  for (let offset = 0; offset < l.pickup_days_ahead; offset++) {
    const date = new Date(Date.UTC(today.y, today.m - 1, today.d + offset));
    if (closed.has(date.toISOString().slice(0, 10))) continue;
    for (const [open, close] of hours[WEEK_DAYS[(date.getUTCDay() + 6) % 7] as string] ?? []) {
      const to = close === '00:00' ? 24 * 60 : toMinutes(close);
      for (let t = toMinutes(open); t + step <= to; t += step) {
        const at = zonedTimeToUtcUncached(
          date.getUTCFullYear(),
          date.getUTCMonth() + 1,
          date.getUTCDate(),
          t,
          timeZone,
        );
        if (at >= earliest) out.push(at);
      }
    }
  }
  return [...new Set(out)].sort((a, b) => a - b).map((t) => new Date(t).toISOString());
}

describe('a store’s kept slots are those computed afresh (pure computation)', () => {
  test('on 300 random stores, at instants walking forward over days (DST changes included), kept = fresh', () => {
    let compared = 0;
    for (let s = 0; s < 300; s++) {
      const store = randomStore();
      // Around the spring-forward (8 March 2026), the fall-back (1 November 2026) and December.
      let at = Date.parse(
        ['2026-03-06T12:00:00Z', '2026-10-30T12:00:00Z', '2026-12-04T12:00:00Z'][s % 3] as string,
      );
      for (let step = 0; step < 40; step++) {
        // Often inside the same minute or slot (cache hits), sometimes hours or a day later.
        at += random() < 0.4 ? Math.floor(random() * 60_000) : Math.floor(random() * 6 * 3_600_000);
        const now = new Date(at);
        const kept = storePickupSlots(store, TZ, now);
        assert.deepEqual(kept, referenceSlots(store, TZ, now));
        assert.deepEqual(pickupSlots(slotSettingsOf(store), TZ, now), kept);
        const earliest = at + (store.preparation_minutes ?? 0) * 60_000;
        for (const slot of kept)
          assert.ok(Date.parse(slot) >= earliest, `${slot} offered at ${now.toISOString()}`);
        compared++;
      }
    }
    assert.equal(compared, 12_000);
  });

  test('a slot stops being offered the millisecond it starts, though the day’s cut is kept', () => {
    const store = {
      hours_json: JSON.stringify({ fri: [['09:00', '12:00']] }),
      pickup_slot_minutes: 30,
      pickup_days_ahead: 1,
      preparation_minutes: 0,
    };
    // Friday 4 December 2026, 09:00 in Gatineau is 14:00 UTC.
    const before = storePickupSlots(store, TZ, new Date('2026-12-04T13:59:59.999Z'));
    assert.equal(before[0], '2026-12-04T14:00:00.000Z');
    assert.equal(before.length, 6);
    assert.equal(
      storePickupSlots(store, TZ, new Date('2026-12-04T14:00:00.000Z'))[0],
      '2026-12-04T14:00:00.000Z',
    );
    const started = storePickupSlots(store, TZ, new Date('2026-12-04T14:00:00.001Z'));
    assert.deepEqual(started, before.slice(1));
    // A preparation time is applied at every call, never kept with the cut.
    const prepared = storePickupSlots(
      { ...store, preparation_minutes: 61 },
      TZ,
      new Date('2026-12-04T14:00:00.001Z'),
    );
    assert.deepEqual(prepared, before.slice(3));
    assert.deepEqual(storePickupSlots(store, TZ, new Date('2026-12-04T17:00:00Z')), []);
  });

  test('changed hours, slot length, days or closures give the new slots at the next call', () => {
    const now = new Date('2026-12-04T13:00:00Z');
    const store = {
      hours_json: JSON.stringify({ fri: [['09:00', '10:00']], sat: [['09:00', '10:00']] }),
      pickup_slot_minutes: 30,
      pickup_days_ahead: 2,
      closures_json: null as string | null,
    };
    assert.equal(storePickupSlots(store, TZ, now).length, 4);
    const changes = [
      { ...store, hours_json: JSON.stringify({ fri: [['13:00', '14:00']] }) },
      { ...store, pickup_slot_minutes: 60 },
      { ...store, pickup_days_ahead: 1 },
      { ...store, closures_json: JSON.stringify([{ date: '2026-12-05' }]) },
    ];
    for (const changed of changes) {
      assert.deepEqual(storePickupSlots(changed, TZ, now), pickupSlots(slotSettingsOf(changed), TZ, now));
      assert.notDeepEqual(storePickupSlots(changed, TZ, now), storePickupSlots(store, TZ, now));
    }
  });
});

describe('the cart page shows a store’s slots as they are now', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let cookie: string;
  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    region = await seedMiniRegion(db);
    await db.updateTable('merchants').set({ status: 'approved' }).execute();
    const created = await p.app.inject({ method: 'POST', url: '/api/v1/carts' });
    const cart = created.json() as { cart_id: number; token: string };
    cookie = `cart_token=${cart.token}`;
    const added = await p.app.inject({
      method: 'POST',
      url: `/api/v1/carts/${cart.cart_id}/items`,
      headers: { 'content-type': 'application/json', cookie },
      payload: JSON.stringify({
        product_id: region.products.tire,
        location_id: region.merchants.erabliere.location_id,
        quantity: 1,
      }),
    });
    assert.equal(added.statusCode, 201);
  });
  after(async () => {
    await p?.close();
  });

  /** The slots the cart page shows (at most three), and the instants around its request. */
  async function shownSlots() {
    const t0 = Date.now();
    const res = await p.app.inject({
      method: 'GET',
      url: '/fr/panier',
      headers: { accept: 'text/html', cookie },
    });
    const t1 = Date.now();
    assert.equal(res.statusCode, 200);
    const section = /<p class="hint pickup-slots">[\s\S]*?<\/p>/.exec(res.body)?.[0] ?? '';
    assert.ok(section, 'the store’s slots paragraph');
    return {
      slots: [...section.matchAll(/<time datetime="([^"]+)">/g)].map((m) => m[1] as string),
      none: section.includes('Aucun créneau'),
      t0,
      t1,
    };
  }

  async function setStore(values: Record<string, unknown>) {
    await p.context.database.db
      .updateTable('locations')
      .set(values)
      .where('id', '=', region.merchants.erabliere.location_id)
      .execute();
  }

  /** The page's slots are the first three cut afresh at an instant of its request. */
  async function assertFresh(store: Record<string, unknown>) {
    const tz = await regionTimeZone(p.context.database.db);
    const row = await p.context.database.db
      .selectFrom('locations')
      .select([
        'hours_json',
        'pickup_slot_minutes',
        'pickup_days_ahead',
        'preparation_minutes',
        'closures_json',
      ])
      .where('id', '=', region.merchants.erabliere.location_id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...row, ...store }, { ...row }, 'the store row holds the change');
    const shown = await shownSlots();
    const fresh = [shown.t0, shown.t1].map((at) =>
      pickupSlots(slotSettingsOf(row), tz, new Date(at)).slice(0, 3),
    );
    assert.ok(
      fresh.some((f) => JSON.stringify(f) === JSON.stringify(shown.slots)),
      `${shown.slots} is not ${JSON.stringify(fresh)}`,
    );
    const earliest = shown.t0 + Number(row.preparation_minutes ?? 0) * 60_000;
    for (const slot of shown.slots) assert.ok(Date.parse(slot) >= earliest, `${slot} has started`);
    return shown;
  }

  test('the cart is found by its token (a prepared query), an unknown token is an empty cart', async () => {
    const res = await p.app.inject({
      method: 'GET',
      url: '/fr/panier',
      headers: { accept: 'text/html', cookie },
    });
    assert.match(res.body, /data-cart-count="true"> \(1\)/);
    for (const token of ['inconnu', cookie.slice('cart_token='.length, -1)]) {
      const other = await p.app.inject({
        method: 'GET',
        url: '/fr/panier',
        headers: { accept: 'text/html', cookie: `cart_token=${token}` },
      });
      assert.equal(other.statusCode, 200);
      assert.match(other.body, /Votre panier est vide\./);
    }
  });

  test('opening hours changed in the database show at the next cart page, and a preparation time at once', async () => {
    const always = JSON.stringify(
      Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '00:00']]]),
      ),
    );
    const open = {
      hours_json: always,
      pickup_slot_minutes: 30,
      pickup_days_ahead: 2,
      preparation_minutes: 0,
    };
    await setStore(open);
    const first = await assertFresh(open);
    assert.equal(first.slots.length, 3);
    // Seen again (the kept cut), then closed every day: no slot at all, at once.
    await assertFresh(open);
    const closed = { hours_json: '{}' };
    await setStore(closed);
    const none = await assertFresh(closed);
    assert.deepEqual(none.slots, []);
    assert.ok(none.none);
    // Open again with hourly slots, then a 10-hour preparation: slots start at least 10 hours on.
    const hourly = { hours_json: always, pickup_slot_minutes: 60 };
    await setStore(hourly);
    const shown = await assertFresh(hourly);
    assert.equal(shown.slots.length, 3);
    const slow = { preparation_minutes: 600 };
    await setStore(slow);
    const later = await assertFresh(slow);
    assert.ok(Date.parse(later.slots[0] as string) >= later.t0 + 600 * 60_000);
  });
});
