/**
 * In-process CPU of the cart page with lines (GET /fr/panier and /en/cart), as the mixed load's
 * customers see it: carts of 1–6 lines from several merchants, each page injected alone, CPU of
 * the whole process around it. Two phases so that two trees measure the same carts:
 *
 *   npx node bench/cart-page.ts --data COPY --setup 200 --carts FILE     (writes carts, saves tokens)
 *   npx node bench/cart-page.ts --data COPY --carts FILE [--rounds 5] [--now ISO] [--dump DIR] [--profile FILE]
 *
 * `--now ISO` fixes the clock (Date and Date.now) so that pickup slots, hence the HTML, compare
 * between trees; `--dump DIR` writes each cart page's and checkout form's HTML (CSRF tokens and
 * idempotency keys masked) for `diff -r`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    data: { type: 'string' },
    setup: { type: 'string' },
    carts: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    now: { type: 'string' },
    dump: { type: 'string' },
    profile: { type: 'string' },
  },
});
if (args.help || !args.data || !args.carts) {
  console.log(
    'npx node bench/cart-page.ts --data DIR --carts FILE [--setup N] [--rounds 5] [--now ISO] [--dump DIR]',
  );
  process.exit(args.help ? 0 : 2);
}

if (args.now) {
  // A fixed clock: every `new Date()` and `Date.now()` is this instant (timers are unaffected).
  const fixed = Date.parse(args.now);
  const Real = Date;
  class FixedDate extends Real {
    constructor(...a: unknown[]) {
      if (a.length === 0) super(fixed);
      else super(...(a as [string]));
    }
    static override now() {
      return fixed;
    }
  }
  globalThis.Date = FixedDate as DateConstructor;
}

const { loadFixtures } = await import('./mixed-load.ts');
const { benchConfig, inProcessPlatform, seededRandom, BROWSER_HEADERS } = await import('./in-process.ts');

const config = await benchConfig(args.data, { insecureCookies: true });
const common = BROWSER_HEADERS;

if (args.setup) {
  const fx = await loadFixtures({ DATA_DIR: args.data }, { keys: 1 });
  const { database, platform } = await inProcessPlatform(config, { facts: false });
  const { random } = seededRandom(0x1234567);
  const tokens: string[] = [];
  for (let i = 0; i < Number(args.setup); i++) {
    const res = await platform.app.inject({ method: 'POST', url: '/api/v1/carts', headers: common });
    const cart = res.json() as { cart_id: number; token: string };
    const n = 1 + Math.floor(random() * 6);
    for (let k = 0; k < n; k++) {
      const o = fx.offers[Math.floor(random() * fx.offers.length)]!;
      await platform.app.inject({
        method: 'POST',
        url: `/api/v1/carts/${cart.cart_id}/items`,
        headers: { ...common, 'content-type': 'application/json', cookie: `cart_token=${cart.token}` },
        payload: JSON.stringify({ product_id: o.product_id, location_id: o.location_id, quantity: 1 }),
      });
    }
    tokens.push(cart.token);
  }
  writeFileSync(args.carts, JSON.stringify(tokens));
  console.log(`${tokens.length} carts written to ${args.carts}`);
  await platform.close();
  await database.close();
  process.exit(0);
}

const tokens = JSON.parse(readFileSync(args.carts, 'utf8')) as string[];
const { database, platform } = await inProcessPlatform(config, { facts: false });

/** A cart page; compressed (brotli, as the load's clients ask) unless `plain` (for the dumps). */
async function page(token: string, lang: 'fr' | 'en', plain = false) {
  return platform.app.inject({
    method: 'GET',
    url: lang === 'fr' ? '/fr/panier' : '/en/cart',
    headers: {
      ...common,
      ...(plain ? { 'accept-encoding': 'identity' } : {}),
      accept: 'text/html',
      cookie: `cart_token=${token}`,
    },
  });
}

// Warm-up (JIT, caches), not counted; with --dump, each cart's two pages are written.
if (args.dump) mkdirSync(args.dump, { recursive: true });
for (const [i, token] of tokens.entries())
  for (const lang of ['fr', 'en'] as const) {
    const res = await page(token, lang, true);
    if (res.statusCode !== 200) throw new Error(`cart page ${res.statusCode}`);
    if (args.dump) {
      // The checkout form lists every open slot of each pickup store (formatSlot): dumped too.
      const form = await platform.app.inject({
        method: 'GET',
        url: lang === 'fr' ? '/fr/paiement' : '/en/checkout',
        headers: {
          ...common,
          'accept-encoding': 'identity',
          accept: 'text/html',
          cookie: `cart_token=${token}`,
        },
      });
      writeFileSync(
        `${args.dump}/${i}-${lang}-checkout.html`,
        form.body
          .replace(/name="(_csrf|idempotency_key)" value="[^"]*"/g, 'name="$1" value="X"')
          .replace(/nonce="[^"]*"/g, 'nonce="X"'),
      );
    }
    if (args.dump)
      writeFileSync(
        `${args.dump}/${i}-${lang}.html`,
        res.body
          .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="X"')
          .replace(/nonce="[^"]*"/g, 'nonce="X"'),
      );
  }

const { Session } = await import('node:inspector/promises');
const session = args.profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const load0 = loadavg()[0]!;
const cpu: number[] = [];
for (let r = 0; r < Number(args.rounds); r++)
  for (const token of tokens) {
    const c0 = process.cpuUsage();
    await page(token, r % 2 ? 'en' : 'fr');
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
if (session && args.profile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profile, JSON.stringify(profile));
}
cpu.sort((a, b) => a - b);
const pct = (p: number) => cpu[Math.min(cpu.length - 1, Math.floor((p / 100) * cpu.length))] ?? 0;
console.log(
  JSON.stringify({
    pages: cpu.length,
    cpu_mean_ms: +(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(3),
    cpu_p50_ms: +pct(50).toFixed(3),
    cpu_p95_ms: +pct(95).toFixed(3),
    loadavg: [+load0.toFixed(2), +loadavg()[0]!.toFixed(2)],
  }),
);
await platform.close();
await database.close();
