import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundingBox } from '../../src/modules/common/geo.ts';
import { searchArea } from '../../src/modules/search/area.ts';
import { nearProducts } from '../../src/modules/search/candidates.ts';
import { emptyCatalogMemory } from '../../src/modules/search/memory.ts';
import type { LocationRef, Reference } from '../../src/modules/search/reference.ts';
import type { Hits } from '../../src/modules/search/search.types.ts';

let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

/** A region of 300 merchants with one to three stores each, some in neighbouring grid cells. */
function region() {
  const locations: LocationRef[] = [];
  const locationsByMerchant: LocationRef[][] = [];
  for (let mid = 1; mid <= 300; mid++) {
    const list: LocationRef[] = [];
    const stores = 1 + Math.floor(random() * 3);
    for (let k = 0; k < stores; k++) {
      const l = {
        id: locations.length + 1,
        merchant_id: mid,
        lat: 45.3 + random() * 0.4,
        lng: -76 + random() * 0.6,
        pickup: 1,
        delivery_radius_km: 0,
        hours_json: '{}',
        index: locations.length,
        hours: {},
        minutes: [],
      } satisfies LocationRef;
      locations.push(l);
      list.push(l);
    }
    locationsByMerchant[mid] = list;
  }
  // Only what searchArea and nearProducts read of the reference.
  return { locations, locationsByMerchant, maxMerchantId: 300, grid: new Map() } as unknown as Reference;
}

test('candidates near the user: visiting the hits by grid cell gives exactly the walk over every hit', async () => {
  const ref = region();
  const m = emptyCatalogMemory(5000);
  for (let pid = 1; pid < 5000; pid++) m.merchant[pid] = random() < 0.05 ? 0 : 1 + Math.floor(random() * 300);
  const n = 3000;
  const ids = new Int32Array(n);
  const bm = new Float32Array(n);
  // Each product once, as a text match returns them.
  const shuffled = Array.from({ length: 4999 }, (_, i) => i + 1).sort(() => random() - 0.5);
  for (let i = 0; i < n; i++) {
    ids[i] = shuffled[i]!;
    bm[i] = n - i;
  }
  const hits: Hits = { ids, bm };
  const rank = () => 0;
  let grouped = 0;
  for (let q = 0; q < 200; q++) {
    const point = { lat: 45.3 + random() * 0.4, lng: -76 + random() * 0.6 };
    const radius = 1 + random() * 15;
    const box = boundingBox(point.lat, point.lng, radius);
    const merchantId = q % 5 === 0 ? 1 + Math.floor(random() * 300) : undefined;
    const area = () =>
      searchArea(ref, {
        point,
        box,
        radius,
        merchantId,
        openMask: new Uint8Array(ref.locations.length),
        delivers: () => false,
      }).area;
    const walked = await nearProducts({} as never, m, area(), hits, { capped: false }, rank);
    // The first use of a list walks it; from the second, the cells are visited.
    const byCell = await nearProducts({} as never, m, area(), hits, { capped: false }, rank, ref);
    assert.deepEqual(byCell, walked, `query ${q}`);
    if (walked.ids.length > 0) grouped++;
  }
  assert.ok(grouped > 50, `only ${grouped} queries found candidates`);
});
