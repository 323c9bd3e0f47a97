import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { boundingBox, haversineKm } from '../../src/modules/common/geo.ts';
import { isOpenAt, localDayAndTime } from '../../src/modules/common/hours.ts';
import { slugify } from '../../src/modules/common/slug.ts';
import { neqSchema } from '../../src/modules/merchants/index.ts';

test('slugs are ASCII, accent-free and fold ligatures', () => {
  assert.equal(slugify('Érablière du Lac'), 'erabliere-du-lac');
  assert.equal(slugify('Œufs & Cœur — Hull'), 'oeufs-coeur-hull');
  assert.equal(slugify('  --  '), '');
});

test('haversine distance Gatineau–Aylmer is about 11 km', () => {
  const km = haversineKm(45.4765, -75.7013, 45.3956, -75.8436);
  assert.ok(km > 13 && km < 15, String(km));
});

test('a bounding box always contains every point within the radius', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 45, max: 47, noNaN: true }),
      fc.double({ min: -77, max: -74, noNaN: true }),
      fc.double({ min: 0.1, max: 50, noNaN: true }),
      fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
      fc.double({ min: 0, max: 0.999, noNaN: true }),
      (lat, lng, r, angle, frac) => {
        const d = r * frac;
        const pLat = lat + (d / 111.32) * Math.cos(angle);
        const pLng = lng + (d / (111.32 * Math.cos((lat * Math.PI) / 180))) * Math.sin(angle);
        if (haversineKm(lat, lng, pLat, pLng) > r) return true;
        const b = boundingBox(lat, lng, r);
        return pLat >= b.minLat && pLat <= b.maxLat && pLng >= b.minLng && pLng <= b.maxLng;
      },
    ),
  );
});

test('opening hours are read in the region time zone', () => {
  const hours = { mon: [['09:00', '17:00']] } as never;
  // 2026-11-23 is a Monday; 14:00 UTC is 09:00 in Gatineau (EST, UTC-5).
  assert.deepEqual(localDayAndTime(new Date('2026-11-23T14:00:00Z'), 'America/Toronto'), {
    day: 'mon',
    time: '09:00',
  });
  assert.equal(isOpenAt(hours, new Date('2026-11-23T14:00:00Z')), true);
  assert.equal(isOpenAt(hours, new Date('2026-11-23T13:59:00Z')), false);
  assert.equal(isOpenAt(hours, new Date('2026-11-23T22:00:00Z')), false);
  assert.equal(isOpenAt(hours, new Date('2026-11-24T15:00:00Z')), false);
});

test('NEQ: 10 digits starting with a legal-form code', () => {
  assert.equal(neqSchema.safeParse('1171234567').success, true);
  assert.equal(neqSchema.safeParse('2212345678').success, true);
  assert.equal(neqSchema.safeParse('4412345678').success, false);
  assert.equal(neqSchema.safeParse('117123456').success, false);
  assert.equal(neqSchema.safeParse('11712345678').success, false);
  assert.equal(neqSchema.safeParse('11-7123456').success, false);
});
