// The browse index's arrays (browse-index-build.ts) are built through one stable radix sort of the
// products by GTIN key; they must equal what the build they replaced gave (a sort of the distinct
// keys, a binary search per product, a counting sort of the GroupTable's members: `reference`
// below, kept verbatim), on random facts exercising both of the sort's paths (the keys' differing
// bits within one word, or over both) and negative keys (GTINs that are not numbers). A snapshot
// file keeps these arrays (snapshot.ts): read back, they must equal a build from the facts read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import {
  type BrowseFacts,
  type BrowseParts,
  buildBrowseParts,
  type GroupTable,
  keyIndex,
  refreshMember,
} from '../../src/modules/search/browse-index-build.ts';
import { emptyCatalogMemory, setProduct } from '../../src/modules/search/memory.ts';
import { readFactsSnapshot, SnapshotError, writeFactsSnapshot } from '../../src/modules/search/snapshot.ts';

const dir = mkdtempSync(join(tmpdir(), 'comptoir-browse-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The build as it was before the radix sort (commit 2df6d29), the reference. */
function reference(m: BrowseFacts): BrowseParts {
  const n = m.merchant.length;
  const merchant = m.merchant;
  let maxMid = 0;
  for (let p = 0; p < n; p++) if (merchant[p]! > maxMid) maxMid = merchant[p]!;
  const start = new Int32Array(maxMid + 2);
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (mid) start[mid + 1]!++;
  }
  for (let i = 1; i < start.length; i++) start[i]! += start[i - 1]!;
  const fill = start.slice(0, maxMid + 1);
  const ids = new Int32Array(start[maxMid + 1]!);
  const group = new Int32Array(n).fill(-1);
  const categoryBits = new Int32Array(maxMid + 1);
  let withGtin = 0;
  for (let p = 0; p < n; p++) if (merchant[p] && m.gtin[p] !== 0) withGtin++;
  const all = new Float64Array(withGtin);
  for (let p = 0, i = 0; p < n; p++) if (merchant[p] && m.gtin[p] !== 0) all[i++] = m.gtin[p]!;
  all.sort();
  let groups = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[groups++] = all[i]!;
  const groupKeys = all.slice(0, groups);
  const groupSize = new Int32Array(groups);
  const groupMember = new Int32Array(groups).fill(-1);
  for (let p = 0; p < n; p++) {
    const mid = merchant[p]!;
    if (!mid) continue;
    ids[fill[mid]!++] = p;
    categoryBits[mid]! |= 1 << (m.category[p]! & 31);
    const g = m.gtin[p]!;
    if (g !== 0) {
      const k = keyIndex(groupKeys, g);
      if (groupMember[k] === -1) groupMember[k] = p;
      groupSize[k]!++;
      group[p] = k;
    }
  }
  return {
    start,
    ids,
    builtMerchant: merchant.slice(),
    group,
    groupKeys,
    groups,
    categoryBits,
    groupSize,
    groupMember,
    sharedLate: new Uint8Array(groups),
    table: referenceTable(m, group, groupSize),
  };
}

function referenceTable(m: BrowseFacts, group: Int32Array, size: Int32Array): GroupTable {
  const n = group.length;
  const listedAt = new Int32Array(size.length).fill(-1);
  let listed = 0;
  let members = 0;
  for (let g = 0; g < size.length; g++) {
    if (size[g]! < 2) continue;
    listedAt[g] = listed++;
    members += size[g]!;
  }
  const groupOfT = new Int32Array(listed);
  const start = new Int32Array(listed + 1);
  for (let g = 0; g < size.length; g++) {
    const t = listedAt[g]!;
    if (t < 0) continue;
    groupOfT[t] = g;
    start[t + 1] = size[g]!;
  }
  for (let t = 0; t < listed; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, listed);
  const pid = new Int32Array(members);
  const mid = new Int32Array(members);
  for (let p = 0; p < n; p++) {
    const g = group[p]!;
    if (g < 0 || listedAt[g]! < 0) continue;
    const k = fill[listedAt[g]!]!++;
    pid[k] = p;
    mid[k] = m.merchant[p]!;
  }
  const t: GroupTable = {
    group: groupOfT,
    cats: new Int32Array(listed),
    start,
    pid,
    mid,
    facts: new Int32Array(members),
    loc: new Int32Array(members),
    price: new Int32Array(members),
  };
  for (let k = 0; k < members; k++) refreshMember(t, m, k);
  for (let g = 0; g < listed; g++)
    for (let k = start[g]!; k < start[g + 1]!; k++) t.cats[g]! |= 1 << (m.category[pid[k]!]! & 31);
  return t;
}

/** GTIN keys as memory.ts makes them: up to 15 digits, or negative for the others. */
const KEY_SETS = {
  // Close keys (the region's: 13 digits sharing a prefix): differing bits within one word.
  narrow: fc.integer({ min: 0, max: 5000 }).map((k) => 628_000_000_000 + k * 7),
  // Anything from 1 to 15 digits, and negative keys: differing bits over both words.
  wide: fc.oneof(
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 1, max: 999_999_999_999_999 }),
    fc.integer({ min: -40, max: -1 }),
  ),
  // One key for all: nothing to sort.
  one: fc.constant(628_000_000_006),
};

const facts = (keys: fc.Arbitrary<number>) =>
  fc
    .array(
      fc.record({
        merchant: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
        category: fc.integer({ min: 0, max: 70 }),
        price: fc.integer({ min: 0, max: 100_000 }),
        quebec: fc.integer({ min: 0, max: 3 }),
        gtin: fc.oneof(fc.constant(0), keys, keys),
      }),
      { maxLength: 400 },
    )
    // Keys repeat (GTIN groups): each product may take an earlier product's key.
    .chain((rows) =>
      fc
        .array(fc.nat(), { minLength: rows.length, maxLength: rows.length })
        .map((picks) =>
          rows.map((r, i) => (i > 0 && picks[i]! % 3 === 0 ? { ...r, gtin: rows[picks[i]! % i]!.gtin } : r)),
        ),
    )
    .map((rows): BrowseFacts => {
      // A few ids past the last product (the facts' arrays have room to grow).
      const n = rows.length + 3;
      const m = {
        merchant: new Int32Array(n),
        category: new Int32Array(n),
        price: new Int32Array(n),
        quebec: new Uint8Array(n),
        gtin: new Float64Array(n),
      };
      rows.forEach((r, p) => {
        m.merchant[p] = r.merchant;
        m.category[p] = r.category;
        m.price[p] = r.price;
        m.quebec[p] = r.quebec;
        m.gtin[p] = r.gtin;
      });
      return m;
    });

for (const [name, keys] of Object.entries(KEY_SETS))
  test(`the build equals the reference (${name} keys)`, () => {
    fc.assert(
      fc.property(facts(keys), (m) => {
        assert.deepStrictEqual(buildBrowseParts(m), reference(m));
      }),
      { numRuns: 300 },
    );
  });

test('the build equals the reference with no products, and with no GTIN at all', () => {
  const none = {
    merchant: new Int32Array(0),
    category: new Int32Array(0),
    price: new Int32Array(0),
    quebec: new Uint8Array(0),
    gtin: new Float64Array(0),
  };
  assert.deepStrictEqual(buildBrowseParts(none), reference(none));
  const noGtin = { ...none, merchant: Int32Array.of(0, 3, 1, 3), category: Int32Array.of(1, 2, 3, 4) };
  noGtin.price = new Int32Array(4);
  noGtin.quebec = new Uint8Array(4);
  noGtin.gtin = new Float64Array(4);
  assert.deepStrictEqual(buildBrowseParts(noGtin), reference(noGtin));
});

const product = (id: number, merchant: number, gtin: string | null, category = 3) => ({
  id,
  merchant_id: merchant,
  category_id: category,
  quebec_label: null,
  price_cents: 1000 + id,
  gtin,
  status: 'active',
  parent_id: null,
});

test('a snapshot keeps the browse index arrays of its facts; a file of the former format is refused', () => {
  const m = emptyCatalogMemory(32);
  setProduct(m, product(1, 7, '0627843000016'));
  setProduct(m, product(2, 8, '0627843000016', 5));
  setProduct(m, product(3, 7, 'ABC-12'));
  setProduct(m, product(4, 9, 'ABC-12'));
  setProduct(m, product(5, 9, '0000000000017'));
  setProduct(m, product(6, 7, null));
  setProduct(m, product(40, 8, '0627843000016')); // past the first size: the arrays grew
  const path = join(dir, 'facts.snapshot');
  writeFactsSnapshot(path, m, { snapshotId: 'x', seq: 3 });
  const back = readFactsSnapshot(path)!;
  const built = buildBrowseParts(back.memory);
  assert.deepStrictEqual(back.browse, built);
  // Read into a buffer of their own: freed with the index when it is rebuilt, not kept by the facts.
  assert.notEqual(back.browse!.ids.buffer, back.memory.merchant.buffer);
  assert.equal(back.browse!.ids.buffer, back.browse!.table.price.buffer);
  assert.deepStrictEqual(built, reference(m));
  assert.equal(built.table.pid.length, 5, 'two groups of several products listed');
  // The kept arrays are the build's: the facts may change after, the arrays do not follow.
  back.memory.merchant[6] = 9;
  assert.equal(back.browse!.builtMerchant[6], 7);

  // Format 1 (no arrays): the version is checked before anything else of the header is used.
  const whole = readFileSync(path);
  const headerLength = whole.readUInt32LE(8);
  const header = whole
    .subarray(16, 16 + headerLength)
    .toString('utf8')
    .replace('{"v":2,', '{"v":1,');
  assert.equal(Buffer.byteLength(header), headerLength);
  const old = Buffer.from(whole);
  old.write(header, 16, 'utf8');
  old.writeUInt32LE(crc32(old.subarray(16)), 12);
  writeFileSync(path, old);
  assert.throws(() => readFactsSnapshot(path), /format 1, expected 2/);
  assert.throws(() => readFactsSnapshot(path), SnapshotError);
});
