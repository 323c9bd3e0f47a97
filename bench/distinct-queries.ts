// Many distinct search texts drawn from a region's own product names, for memory measures: a
// held-out query list may hold far more distinct texts than the realistic mix's ~1,000, and every
// distinct text is a text-hit cache entry (and, for prefixes and common words, a large one).
//
//   npx node bench/distinct-queries.ts --data DIR [--count 5000] [--seed 7] [--out FILE] [--csv]
//
// Texts, all distinct, in a seeded random order: single title words (25 %), as-you-type prefixes of
// 3-6 letters (20 %), two title words of one product (20 %), a word then the start of another
// (15 %), whole titles (10 %), two words of different titles (5 %: often no match), brands (5 %),
// French and English. Printed one a line (or written to --out), the format `--queries FILE` of
// bench/server-memory.ts reads; with --csv, a CSV with a header (q, lat, lng, radius_km at the
// realistic mix's points and radii) for `bench/search-core.ts --queries FILE`. DIR is only read.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { realisticShopper } from './realistic-queries.ts';

/**
 * A seeded generator in [0, 1): the other benches' LCG, multiplied in 32 bits (Math.imul; as a
 * double product it loses its low bits and falls into a cycle of a few thousand draws).
 */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** The words of a title as a shopper types them (lower case, letters and digits). */
const wordsOf = (title: string) =>
  title
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 2);

/**
 * `count` distinct search texts from the products of the SQLite database in `dataDir` (read
 * only), in a seeded random order (see the file comment for the shares).
 */
export function distinctQueries(dataDir: string, count: number, seed = 7): string[] {
  const db = new DatabaseSync(join(dataDir, 'comptoir.db'), { readOnly: true });
  const titles = new Set<string>();
  const brands = new Set<string>();
  try {
    for (const r of db
      .prepare("SELECT DISTINCT title_fr, title_en, brand FROM products WHERE status = 'active'")
      .iterate() as Iterable<{ title_fr: string; title_en: string; brand: string | null }>) {
      titles.add(r.title_fr.toLowerCase());
      if (r.title_en) titles.add(r.title_en.toLowerCase());
      if (r.brand) brands.add(r.brand.toLowerCase().replace(/\s*\(.*\)$/, ''));
    }
  } finally {
    db.close();
  }
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const titleList = [...titles];
  const words = [...new Set(titleList.flatMap(wordsOf))];
  const brandList = [...brands];
  const prefixOf = (w: string) =>
    w.length > 3 ? w.slice(0, 3 + Math.floor(random() * Math.min(4, w.length - 3))) : undefined;
  /** Two words of one title, in a random order. */
  const pair = (join: (a: string, b: string) => string) => {
    const ws = wordsOf(pick(titleList)).filter((w) => w.length >= 3);
    if (ws.length < 2) return undefined;
    const a = Math.floor(random() * ws.length);
    let b = Math.floor(random() * (ws.length - 1));
    if (b >= a) b++;
    return join(ws[a]!, ws[b]!);
  };
  const out = new Set<string>();
  const draws: [number, () => string | undefined][] = [
    [0.25, () => pick(words)],
    [0.2, () => prefixOf(pick(words))],
    [0.2, () => pair((a, b) => `${a} ${b}`)],
    [0.15, () => pair((a, b) => `${a} ${prefixOf(b) ?? b}`)],
    [0.1, () => pick(titleList)],
    [0.05, () => `${pick(words)} ${pick(words)}`],
    [0.05, () => (brandList.length ? pick(brandList) : undefined)],
  ];
  // Bounded: a small region may not have `count` distinct texts.
  for (let tries = 0; out.size < count && tries < count * 50; tries++) {
    let u = random();
    for (const [share, draw] of draws) {
      if (u < share) {
        const t = draw()?.trim();
        if (t) out.add(t);
        break;
      }
      u -= share;
    }
  }
  return [...out];
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      count: { type: 'string', default: '5000' },
      seed: { type: 'string', default: '7' },
      out: { type: 'string' },
      csv: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.data) {
    (values.help ? process.stdout : process.stderr).write(
      'Usage: npx node bench/distinct-queries.ts --data DIR [--count 5000] [--seed 7] [--out FILE] [--csv]\n' +
        "Distinct search texts from the region's product names (words, prefixes, pairs, titles, brands), one a line.\n",
    );
    process.exit(values.help ? 0 : 2);
  }
  const texts = distinctQueries(resolve(values.data), Number(values.count), Number(values.seed));
  let lines = texts;
  if (values.csv) {
    const shopper = realisticShopper(seeded(Number(values.seed) + 1));
    lines = [
      'q,lat,lng,radius_km',
      ...texts.map((q) => {
        const { lat, lng } = shopper.point();
        return `"${q.replaceAll('"', '""')}",${lat.toFixed(5)},${lng.toFixed(5)},${shopper.radius()}`;
      }),
    ];
  }
  const text = `${lines.join('\n')}\n`;
  if (values.out) {
    writeFileSync(values.out, text);
    console.error(`${texts.length} distinct texts written to ${values.out}`);
  } else process.stdout.write(text);
}
