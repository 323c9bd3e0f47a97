import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { partsIn, zonedTimeToUtc, zonedTimeToUtcUncached } from '../../src/modules/common/zoned-time.ts';
import { pickupSlots } from '../../src/modules/orders/pickup-slots.ts';

// Zones with DST both ways, a half-hour offset, a 30-minute DST shift and no DST at all.
const ZONES = [
  'America/Toronto',
  'America/Vancouver',
  'America/St_Johns',
  'Europe/Paris',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Regina',
  'UTC',
];

/** Reference conversion built straight from Intl's parts, independent of the module's helpers. */
function reference(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const offset = (at: number) => {
    const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
    return (
      Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(at / 1000) * 1000
    );
  };
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  return wall - offset(wall - offset(wall));
}

test('la conversion mémoïsée égale la conversion Intl directe, sur des années et des zones au hasard', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2000, max: 2040 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 31 }),
      // Whole minutes of the day, and a step-aligned form so the same wall times come back (memo hits).
      fc.oneof(
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.integer({ min: 0, max: 47 }).map((h) => h * 30),
      ),
      fc.constantFrom(...ZONES),
      (y, m, d, minutes, tz) => {
        const want = reference(y, m, d, minutes, tz);
        assert.equal(zonedTimeToUtc(y, m, d, minutes, tz), want);
        // Asked twice: the memoised answer is the same one.
        assert.equal(zonedTimeToUtc(y, m, d, minutes, tz), want);
        assert.equal(zonedTimeToUtcUncached(y, m, d, minutes, tz), want);
      },
    ),
    { numRuns: 3000 },
  );
});

test('partsIn rend les parties locales de Intl pour des instants au hasard', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 11, 31) }),
      fc.constantFrom(...ZONES),
      (at, tz) => {
        const s = new Date(at).toLocaleString('en-US', { timeZone: tz, hourCycle: 'h23' });
        const m = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/.exec(s);
        assert.ok(m, s);
        assert.deepEqual(partsIn(at, tz), { y: +m[3], m: +m[1], d: +m[2], h: +m[4], min: +m[5], s: +m[6] });
      },
    ),
    { numRuns: 1000 },
  );
});

test('jours de changement d’heure à Toronto : heure sautée reculée de l’écart, heure doublée prise la première fois', () => {
  const TZ = 'America/Toronto';
  // 8 mars 2026 : 02:00 → 03:00 (HNE → HAE). 02:30 n'existe pas : lue en HAE, c'est l'instant de
  // 01:30 HNE (comportement d'origine, gardé tel quel).
  assert.equal(
    new Date(zonedTimeToUtc(2026, 3, 8, 1 * 60 + 30, TZ)).toISOString(),
    '2026-03-08T06:30:00.000Z',
  );
  assert.equal(
    new Date(zonedTimeToUtc(2026, 3, 8, 2 * 60 + 30, TZ)).toISOString(),
    '2026-03-08T06:30:00.000Z',
  );
  assert.equal(
    new Date(zonedTimeToUtc(2026, 3, 8, 3 * 60 + 30, TZ)).toISOString(),
    '2026-03-08T07:30:00.000Z',
  );
  // 1er novembre 2026 : 02:00 HAE → 01:00 HNE. 01:30 existe deux fois.
  assert.equal(
    new Date(zonedTimeToUtc(2026, 11, 1, 1 * 60 + 30, TZ)).toISOString(),
    '2026-11-01T05:30:00.000Z',
  );
  assert.equal(
    new Date(zonedTimeToUtc(2026, 11, 1, 2 * 60 + 30, TZ)).toISOString(),
    '2026-11-01T07:30:00.000Z',
  );
  for (const [m, d] of [
    [3, 8],
    [11, 1],
  ] as const) {
    for (let t = 0; t < 24 * 60; t += 15)
      assert.equal(zonedTimeToUtc(2026, m, d, t, TZ), reference(2026, m, d, t, TZ));
  }
});

test('créneaux de retrait un jour de changement d’heure : les mêmes que par la conversion directe', () => {
  const TZ = 'America/Toronto';
  const allDay = [['00:00', '00:00']] as [string, string][];
  const hours = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay };
  for (const now of ['2026-03-07T12:00:00Z', '2026-10-31T12:00:00Z', '2027-03-13T12:00:00Z']) {
    const s = { hours, preparation_minutes: 0, slot_minutes: 30, days_ahead: 3 };
    const got = pickupSlots(s, TZ, new Date(now));
    // Expected: every half hour of the three local days, by the reference conversion, deduplicated.
    const today = partsIn(Date.parse(now), TZ);
    const want = new Set<number>();
    for (let day = 0; day < 3; day++) {
      const date = new Date(Date.UTC(today.y, today.m - 1, today.d + day));
      for (let t = 0; t + 30 <= 24 * 60; t += 30) {
        const at = reference(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), t, TZ);
        if (at >= Date.parse(now)) want.add(at);
      }
    }
    assert.deepEqual(
      got,
      [...want].sort((a, b) => a - b).map((t) => new Date(t).toISOString()),
    );
    // Asked again (memoised conversions and strings): the same list.
    assert.deepEqual(pickupSlots(s, TZ, new Date(now)), got);
  }
  // Day counts on the change days: 46 slots on the 23-hour day (02:00 and 02:30 land on 01:00 and
  // 01:30), 48 on the 25-hour day (the repeated 01:00–02:00 is offered once).
  const s = { hours, preparation_minutes: 0, slot_minutes: 30, days_ahead: 3 };
  const inDay = (slots: string[], from: string, to: string) =>
    slots.filter((x) => x >= from && x < to).length;
  assert.equal(
    inDay(
      pickupSlots(s, TZ, new Date('2026-03-07T12:00:00Z')),
      '2026-03-08T05:00:00.000Z',
      '2026-03-09T04:00:00.000Z',
    ),
    46,
  );
  assert.equal(
    inDay(
      pickupSlots(s, TZ, new Date('2026-10-31T12:00:00Z')),
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ),
    48,
  );
});
