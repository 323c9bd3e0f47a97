import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textBefore } from '../../src/modules/search/facets.ts';

let seed = 29;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
/** An id of 1 to 10 digits (so both sides of the 10^7 switch, and ids of unequal lengths). */
const id = () => Math.floor(random() * 10 ** (1 + Math.floor(random() * 10)));

test('textBefore orders ids as their decimal texts do (the merchant facet ties)', () => {
  const pairs: [number, number][] = [
    [0, 0],
    [0, 1],
    [1, 0],
    [4, 40],
    [40, 4],
    [5, 40],
    [39, 4],
    [4, 39],
    [10, 1],
    [1, 10],
    [100, 10],
    [9_999_999, 10_000_000],
    [10_000_000, 9_999_999],
    [2_147_483_647, 21],
    [21, 2_147_483_647],
    [123, 1_234_567],
    [1_234_568, 123],
  ];
  for (let i = 0; i < 20_000; i++) {
    const a = id();
    // Often one id a prefix of the other, or the same length: the cases the digits decide.
    const r = random();
    const b =
      r < 0.3 ? Number(String(a).slice(0, 1 + Math.floor(random() * String(a).length))) : r < 0.5 ? a : id();
    pairs.push([a, b], [b, a]);
  }
  for (const [a, b] of pairs) assert.equal(textBefore(a, b), String(a) < String(b), `${a} before ${b}`);
});
