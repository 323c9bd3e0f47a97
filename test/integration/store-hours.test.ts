import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { pickupSlots, regionTimeZone, slotsForLocations } from '../../src/modules/orders/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const PW = 'correct horse battery';

/** The local calendar date of an instant in a time zone (`YYYY-MM-DD`). */
const localDate = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );

describe('pickup slots skip exceptional closures (pure computation)', () => {
  test('a closed Friday between two open days offers no slot; the days around it keep theirs', () => {
    const TZ = 'America/Toronto';
    const day = [['09:00', '10:00']] as [string, string][];
    const settings = {
      hours: { thu: day, fri: day, sat: day },
      preparation_minutes: 0,
      slot_minutes: 30,
      days_ahead: 3,
    };
    // Thursday 3 December 2026, 08:00 in Gatineau.
    const now = new Date('2026-12-03T13:00:00Z');
    const open = pickupSlots(settings, TZ, now);
    assert.deepEqual(
      [...new Set(open.map((s) => localDate(s, TZ)))],
      ['2026-12-03', '2026-12-04', '2026-12-05'],
    );
    const closed = pickupSlots({ ...settings, closed_dates: ['2026-12-04'] }, TZ, now);
    assert.deepEqual(
      closed,
      open.filter((s) => localDate(s, TZ) !== '2026-12-04'),
    );
    assert.equal(closed.length, 4);
  });
});

describe('back-office: opening hours editor, exceptional closures, live new orders', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let owner: Agent;
  let loc: number;
  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    region = await seedMiniRegion(db);
    loc = region.merchants.erabliere.location_id;
    await createUser(db, {
      email: 'owner-hours@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: region.merchants.erabliere.merchant_id }],
    });
    owner = new Agent(p.app);
    await owner.login('owner-hours@example.test', PW);
  });
  after(() => p.close());
  const db = () => p.context.database.db;
  const stored = () =>
    db()
      .selectFrom('locations')
      .select(['hours_json', 'closures_json', 'name'])
      .where('id', '=', loc)
      .executeTakeFirstOrThrow();

  const base = {
    name: 'Érablière — boutique',
    address_line: '123 rue Principale',
    municipality: 'Aylmer',
    postal_code: 'J9H 3L5',
    lat: '45.3956',
    lng: '-75.8436',
    pickup: '1',
    pickup_slot_minutes: '30',
    pickup_days_ahead: '7',
  };
  const url = () => `/fr/marchand/magasins/${loc}`;

  test('the form has three ranges per day and empty closure rows, usable without JavaScript', async () => {
    const page = await owner.get(url());
    assert.equal(page.statusCode, 200);
    for (const name of ['open_mon', 'close_mon', 'open2_mon', 'close2_mon', 'open3_sun', 'close3_sun'])
      assert.match(page.body, new RegExp(`name="${name}" type="time"`));
    assert.match(page.body, /name="closure_date_0" type="date"/);
    assert.match(page.body, /name="closure_label_1"/);
    assert.match(page.body, /Fermetures exceptionnelles/);
  });

  test('saves two ranges per day and a closure with its label; the form shows them back', async () => {
    const saved = await owner.submit(url(), {
      ...base,
      open_mon: '09:00',
      close_mon: '12:00',
      open2_mon: '13:00',
      close2_mon: '17:00',
      // Ranges typed out of order are kept in time order.
      open_tue: '13:00',
      close_tue: '18:00',
      open2_tue: '08:30',
      close2_tue: '11:30',
      closure_date_0: '2026-06-24',
      closure_label_0: 'Fête nationale',
      closure_date_1: '2026-07-01',
      closure_label_1: '',
    });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const l = await stored();
    assert.deepEqual(JSON.parse(l.hours_json), {
      mon: [
        ['09:00', '12:00'],
        ['13:00', '17:00'],
      ],
      tue: [
        ['08:30', '11:30'],
        ['13:00', '18:00'],
      ],
    });
    assert.deepEqual(JSON.parse(l.closures_json ?? 'null'), [
      { date: '2026-06-24', label: 'Fête nationale' },
      { date: '2026-07-01' },
    ]);
    const page = await owner.get(url());
    assert.match(page.body, /name="open2_mon" type="time" value="13:00"/);
    assert.match(page.body, /name="closure_date_0" type="date" value="2026-06-24"/);
    assert.match(page.body, /name="closure_label_0" type="text" value="Fête nationale"/);
    // Two saved closures, then two empty rows to add more.
    assert.match(page.body, /name="closure_date_3"/);
    assert.doesNotMatch(page.body, /name="closure_date_4"/);
  });

  test('overlapping ranges, a closing before opening and a bad date are refused next to the field; nothing changes', async () => {
    const before = await stored();
    const bad = await owner.submit(url(), {
      ...base,
      name: 'Autre nom',
      open_mon: '09:00',
      close_mon: '12:00',
      open2_mon: '11:00',
      close2_mon: '17:00',
      open_wed: '18:00',
      close_wed: '09:00',
      closure_date_0: '2026-02-30',
      closure_label_0: 'Inventaire',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(
      bad.body,
      /id="f-open2_mon-error"[^>]*>Cette plage chevauche une autre plage du même jour\./,
    );
    assert.match(bad.body, /id="f-open_wed-error"[^>]*>La fermeture doit être après l’ouverture\./);
    assert.match(bad.body, /id="f-closure_date_0-error"[^>]*>Date invalide/);
    assert.match(bad.body, /aria-invalid="true"/);
    // The typed values are shown back for correction.
    assert.match(bad.body, /name="open2_mon" type="time" value="11:00"/);
    assert.deepEqual(await stored(), before);

    const en = await owner.submit(`/en/merchant/locations/${loc}`, {
      ...base,
      open_fri: '09:00',
      close_fri: '12:00',
      open3_fri: '10:00',
      close3_fri: '11:00',
    });
    assert.equal(en.statusCode, 400);
    assert.match(en.body, /id="f-open3_fri-error"[^>]*>This range overlaps another range of the same day\./);
    assert.deepEqual(await stored(), before);
  });

  test('pickup slots of the store skip its closure day', async () => {
    const tz = await regionTimeZone(db());
    const everyDay = Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].flatMap((d) => [
        [`open_${d}`, '09:00'],
        [`close_${d}`, '11:00'],
      ]),
    );
    const saved = await owner.submit(url(), {
      ...base,
      ...everyDay,
      pickup_days_ahead: '3',
      closure_date_0: '2026-12-04',
      closure_label_0: 'Inventaire',
    });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    // Thursday 3 December 2026, 08:00 local: Thursday and Saturday open, Friday closed.
    const slots = (await slotsForLocations(db(), [loc], new Date('2026-12-03T13:00:00Z'))).get(loc) ?? [];
    const days = slots.map((s) => localDate(s, tz));
    assert.ok(days.includes('2026-12-03'));
    assert.ok(days.includes('2026-12-05'));
    assert.ok(!days.includes('2026-12-04'), 'no slot on the closure day');
  });

  test('a form without closure rows (an older form) leaves the closures as they are', async () => {
    const before = (await stored()).closures_json;
    assert.ok(before);
    const saved = await owner.submit(url(), { ...base, open_mon: '10:00', close_mon: '16:00' });
    assert.equal(saved.statusCode, 303);
    assert.equal((await stored()).closures_json, before);
  });

  test('the public store page says when the store is exceptionally closed (coming dates only)', async () => {
    const tz = await regionTimeZone(db());
    const inDays = (n: number) => localDate(new Date(Date.now() + n * 86_400_000).toISOString(), tz);
    const saved = await owner.submit(url(), {
      ...base,
      open_mon: '09:00',
      close_mon: '17:00',
      closure_date_0: inDays(-3),
      closure_label_0: 'Passée',
      closure_date_1: inDays(10),
      closure_label_1: 'Inventaire',
    });
    assert.equal(saved.statusCode, 303, saved.body.slice(0, 500));
    const { slug } = await db()
      .selectFrom('merchants')
      .select('slug')
      .where('id', '=', region.merchants.erabliere.merchant_id)
      .executeTakeFirstOrThrow();
    const coming = new Intl.DateTimeFormat('fr-CA', {
      timeZone: 'UTC',
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    }).format(new Date(`${inDays(10)}T12:00:00Z`));
    const fr = await owner.get(`/fr/m/${slug}`);
    assert.equal(fr.statusCode, 200);
    assert.ok(fr.body.includes(`Fermé exceptionnellement le ${coming}`), coming);
    assert.match(fr.body, /\(Inventaire\)/);
    assert.doesNotMatch(fr.body, /Passée/);
    assert.match((await owner.get(`/en/m/${slug}`)).body, /Exceptionally closed on/);
  });

  test('the dashboard and the orders list carry the live new-orders island and its toggles', async () => {
    const merchantId = region.merchants.erabliere.merchant_id;
    for (const [path, lang] of [
      ['/fr/marchand', 'fr'],
      ['/fr/marchand/commandes', 'fr'],
      ['/en/merchant', 'en'],
    ] as const) {
      const page = await owner.get(path);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<section[^>]*data-live-orders/);
      assert.match(
        page.body,
        new RegExp(`data-stream="/api/v1/merchant/stream\\?merchant_id=${merchantId}&amp;lang=${lang}"`),
      );
      assert.match(page.body, /<script src="\/static\/js\/bo-live\.js\?v=1" defer><\/script>/);
      assert.match(page.body, /<input type="checkbox" data-live-sound/);
      assert.match(page.body, /<input type="checkbox" data-live-notify/);
      // Without JavaScript the toggles stay hidden and the page says to reload.
      assert.match(page.body, /data-live-controls="true" hidden>/);
    }
    assert.match((await owner.get('/fr/marchand')).body, /Son à chaque nouvelle commande/);
    const script = await owner.get('/static/js/bo-live.js');
    assert.equal(script.statusCode, 200);
    assert.match(script.body, /new EventSource/);
  });
});
