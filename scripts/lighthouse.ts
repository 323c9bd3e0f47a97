// npm run lighthouse: Lighthouse (mobile preset) with Debian Chromium on the home, a merchant and a
// product page; prints the four scores and exits non-zero below 95 in any category.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/browser.ts';
import { demoServer, samplePaths } from './demo-server.ts';

const THRESHOLD = Number(process.env.LIGHTHOUSE_MIN ?? 95);
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const server = await demoServer();
const { merchant, product } = await samplePaths(server.base);
const targets = [
  ['home (fr)', '/fr'],
  ['merchant (fr)', `/fr/m/${merchant}`],
  ['product (fr)', `/fr/p/${product}`],
  ['home (en)', '/en'],
];
const profile = mkdtempSync(join(tmpdir(), 'comptoir-lh-'));
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM_PATH,
  chromeFlags: CHROMIUM_ARGS.filter((f) => f !== '--headless').concat('--headless=new'),
  userDataDir: profile,
});
let failed = false;
const rows: string[] = [];
try {
  for (const [name, path] of targets) {
    // Lighthouse's own advice: run several times and take the median (one run varies with machine load).
    const runs: NonNullable<Awaited<ReturnType<typeof lighthouse>>>[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await lighthouse(`${server.base}${path}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
      });
      if (r && !r.lhr.runtimeError) runs.push(r);
    }
    if (!runs.length) throw new Error(`Lighthouse could not audit ${path}`);
    const byPerf = [...runs].sort(
      (a, b) => (a.lhr.categories.performance?.score ?? 0) - (b.lhr.categories.performance?.score ?? 0),
    );
    const result = byPerf[Math.floor(byPerf.length / 2)];
    const cats = result.lhr.categories;
    const median = (k: string) => {
      const v = runs.map((r) => r.lhr.categories[k]?.score ?? 0).sort((a, b) => a - b);
      return Math.round(v[Math.floor(v.length / 2)] * 100);
    };
    const scores = Object.fromEntries(
      ['performance', 'accessibility', 'best-practices', 'seo'].map((k) => [k, median(k)]),
    );
    const low = Object.entries(scores).filter(([, s]) => s < THRESHOLD);
    if (low.length) {
      failed = true;
      for (const [k] of low) {
        const audits = Object.values(result.lhr.audits ?? {})
          .filter(
            (a) =>
              a.score !== null &&
              a.score < 0.9 &&
              (cats[k]?.auditRefs ?? []).some((r) => r.id === a.id && r.weight > 0),
          )
          .map((a) => `    - ${a.id}: ${a.title}`);
        console.error(`  ${name} ${k} below ${THRESHOLD}:\n${audits.join('\n')}`);
      }
    }
    const lcp = result.lhr.audits['largest-contentful-paint']?.displayValue ?? '';
    const cls = result.lhr.audits['cumulative-layout-shift']?.displayValue ?? '';
    rows.push(
      `| ${name} | ${scores.performance} | ${scores.accessibility} | ${scores['best-practices']} | ${scores.seo} | ${lcp} | ${cls} |`,
    );
  }
} finally {
  chrome.kill();
  rmSync(profile, { recursive: true, force: true });
  await server.close();
}
console.log('| page | performance | accessibility | best practices | SEO | LCP | CLS |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
if (failed) {
  console.error(`Lighthouse: a score is below ${THRESHOLD}.`);
  process.exit(1);
}
