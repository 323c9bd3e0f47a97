// rankHits' GTIN hash (scoring.ts), before and after: the slot of a GTIN key (a double, |g| < 2^53)
// from a floating-point remainder (a library call) against from its two 32-bit halves. Thread CPU
// per hash over 2,048 keys shaped like the demo region's (13-digit GTINs, a fifth negative keys of
// non-numeric codes), alternating, three rounds.
//
//   npx node bench/gtin-hash.ts
const g = new Float64Array(2048);
let seed = 7;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
for (let i = 0; i < g.length; i++) g[i] = i % 5 === 0 ? -(i + 1) : 6290000000000 + Math.floor(random() * 1e8);
const mask = 4095;
/** The slots' sum (so the compiler keeps the work). */
function remainderHash(): number {
  let x = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i]!;
    x += (Math.imul((v % 0x7fffffff) | 0, 0x9e3779b1) ^ ((v / 0x7fffffff) | 0)) & mask;
  }
  return x;
}
function halvesHash(): number {
  let x = 0;
  for (let i = 0; i < g.length; i++) {
    const v = g[i]!;
    x += (Math.imul(v >>> 0, 0x9e3779b1) ^ Math.imul((v / 4294967296) | 0, 0x85ebca6b)) & mask;
  }
  return x;
}
const REPS = 5000;
for (let round = 1; round <= 3; round++)
  for (const [name, hash] of [
    ['remainder (before)', remainderHash],
    ['halves (after)', halvesHash],
  ] as const) {
    for (let w = 0; w < 200; w++) hash();
    const c0 = process.threadCpuUsage();
    let sum = 0;
    for (let k = 0; k < REPS; k++) sum += hash();
    const c = process.threadCpuUsage(c0);
    const ns = ((c.user + c.system) * 1000) / (REPS * g.length);
    console.log(JSON.stringify({ round, hash: name, cpu_ns_per_hash: Math.round(ns * 100) / 100, sum }));
  }
