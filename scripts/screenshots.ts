// npm run screenshots: mobile (390×844) and desktop (1280×800) screenshots of the key pages in
// both languages, saved under docs/screenshots/, then a purchase's cart, checkout (one store's
// pickup at a slot, another's delivery to a postal address) and confirmation.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../src/tools/demo/index.ts';
import { launchBrowser, signIn } from '../test/helpers/browser.ts';
import { demoServer, samplePaths } from './demo-server.ts';

const outDir = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(outDir, { recursive: true });
// `--design`: the design-system screenshots of docs/DESIGN.md (back-office, console, forms), fr.
if (process.argv.includes('--design')) {
  await designScreenshots();
  process.exit(0);
}
// `--backoffice`: every back-office and console page, fr and en, 390 px and 1366 px, signed in.
if (process.argv.some((a) => a.startsWith('--backoffice'))) {
  await backofficeScreenshots();
  process.exit(0);
}
// `--payments`: card payments against the local fake Stripe API and Stripe.js stub (issue 15): the
// merchant's payments page connected (with its statement) and the checkout's card form.
if (process.argv.includes('--payments')) {
  await paymentScreenshots();
  process.exit(0);
}
// `--checkout`: only the purchase screenshots (cart, checkout, confirmation).
if (process.argv.includes('--checkout')) {
  const server = await demoServer();
  const browser = await launchBrowser();
  try {
    await checkoutScreenshots(browser, server);
  } finally {
    await browser.close();
    await server.close();
  }
  process.exit(0);
}
const server = await demoServer();
const { merchant, product } = await samplePaths(server.base);
const pages: [string, { fr: string; en: string }][] = [
  ['home', { fr: '/fr', en: '/en' }],
  ['search', { fr: '/fr/recherche?q=sirop+d%27%C3%A9rable', en: '/en/search?q=maple+syrup' }],
  ['merchant', { fr: `/fr/m/${merchant}`, en: `/en/m/${merchant}` }],
  ['product', { fr: `/fr/p/${product}`, en: `/en/p/${product}` }],
  ['association', { fr: '/fr/a/aylmer', en: '/en/a/aylmer' }],
  ['cart', { fr: '/fr/panier', en: '/en/cart' }],
];
const browser = await launchBrowser();
try {
  for (const [device, viewport] of [
    ['mobile', { width: 390, height: 844 }],
    ['desktop', { width: 1280, height: 800 }],
  ] as const) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    for (const [name, paths] of pages) {
      for (const lang of ['fr', 'en'] as const) {
        const res = await page
          .goto(`${server.base}${paths[lang]}`, { waitUntil: 'networkidle' })
          .catch(() => null);
        if (!res || res.status() >= 400) {
          console.warn(`skip ${name} ${lang}: ${res?.status() ?? 'no response'}`);
          continue;
        }
        const file = `${outDir}${name}-${lang}-${device}.png`;
        await page.screenshot({ path: file, fullPage: false });
        console.log(file);
      }
    }
    await context.close();
  }
  await checkoutScreenshots(browser, server);
} finally {
  await browser.close();
  await server.close();
}

type DemoServer = Awaited<ReturnType<typeof demoServer>>;

/**
 * Two offers of the demo for one purchase: a product of a store that delivers to Aylmer (postal
 * prefix J9H, its own zone, no minimum) and a product of another merchant's store that takes
 * pickups. Candidates by stock; the product page says which ones are sold online.
 */
async function purchaseCandidates(server: DemoServer) {
  const db = server.database?.db;
  if (!db) throw new Error('checkout screenshots need the in-process demo (no BASE_URL)');
  const offers = (zones: boolean) =>
    db
      .selectFrom('inventory_levels as i')
      .innerJoin('locations as l', 'l.id', 'i.location_id')
      .innerJoin('merchants as m', 'm.id', 'l.merchant_id')
      .innerJoin('products as p', 'p.id', 'i.product_id')
      .select(['p.id as product_id', 'l.id as location_id', 'm.id as merchant_id'])
      .where('m.status', '=', 'approved')
      .where('p.status', '=', 'active')
      .where('p.parent_id', 'is', null)
      .where('i.on_hand', '>', 10)
      .where('l.municipality', '=', 'Aylmer')
      .where(zones ? 'l.delivery_zones_json' : 'l.pickup', zones ? 'like' : '=', zones ? '%J9H%' : 1)
      .orderBy('p.price_cents')
      .limit(40)
      .execute();
  return { delivery: await offers(true), pickup: await offers(false) };
}

/** Adds the product at that store from its page; false when the page offers no "add to cart" there. */
async function addAt(
  page: Page,
  base: string,
  lang: 'fr' | 'en',
  o: { product_id: number; location_id: number },
) {
  await page.goto(`${base}/${lang}/p/${o.product_id}`);
  const button = page.locator(
    `form.add-to-cart:has(input[name="location_id"][value="${o.location_id}"]) button[type="submit"]`,
  );
  if (!(await button.count())) return false;
  await Promise.all([page.waitForURL(/\/(panier|cart)$/), button.first().click()]);
  return true;
}

/** Cart, checkout and confirmation of one purchase per language and device. */
async function checkoutScreenshots(browser: Browser, server: DemoServer) {
  const { delivery, pickup } = await purchaseCandidates(server);
  const words = {
    fr: {
      cart: '/fr/panier',
      checkout: '/fr/paiement',
      name: 'Nom',
      email: 'Courriel',
      place: 'Passer la commande',
    },
    en: { cart: '/en/cart', checkout: '/en/checkout', name: 'Name', email: 'Email', place: 'Place order' },
  };
  for (const [device, viewport] of [
    ['mobile', { width: 390, height: 844 }],
    ['desktop', { width: 1280, height: 800 }],
  ] as const) {
    for (const lang of ['fr', 'en'] as const) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      const shot = async (name: string) => {
        const file = `${outDir}${name}-${lang}-${device}.png`;
        await page.screenshot({ path: file, fullPage: name !== 'cart' || device === 'mobile' });
        console.log(file);
      };
      let delivered: (typeof delivery)[number] | undefined;
      for (const o of delivery)
        if (await addAt(page, server.base, lang, o)) {
          delivered = o;
          break;
        }
      let picked: (typeof pickup)[number] | undefined;
      for (const o of pickup) {
        if (o.merchant_id === delivered?.merchant_id) continue;
        if (await addAt(page, server.base, lang, o)) {
          picked = o;
          break;
        }
      }
      if (!delivered || !picked) {
        console.warn(`skip checkout ${lang} ${device}: no delivering and pickup offers found in the demo`);
        await context.close();
        continue;
      }
      const w = words[lang];
      await page.goto(`${server.base}${w.cart}`, { waitUntil: 'networkidle' });
      await shot('cart');
      await page.goto(`${server.base}${w.checkout}`, { waitUntil: 'networkidle' });
      await page.getByLabel(w.name, { exact: true }).fill('Camille Tremblay');
      await page.getByLabel(w.email, { exact: true }).fill('camille@example.test');
      const p = picked.merchant_id;
      await page.locator(`#f-${p}-p-${picked.location_id}`).check();
      const slots = page.locator(`#c-f_${p}_slot_${picked.location_id} option`);
      if ((await slots.count()) > 1) {
        const slot = await slots.nth(1).getAttribute('value');
        if (slot) await page.locator(`#c-f_${p}_slot_${picked.location_id}`).selectOption(slot);
      }
      const d = delivered.merchant_id;
      await page.locator(`#f-${d}-d`).check();
      await page.locator(`#c-f_${d}_line1`).fill('12 rue Front');
      await page.locator(`#c-f_${d}_city`).fill('Gatineau');
      await page.locator(`#c-f_${d}_postal_code`).fill('J9H 5E1');
      // "Calculate the total": the form comes back with the delivery fee and the exact total.
      await Promise.all([
        page.waitForNavigation(),
        page.locator('button[name="quote_update"]').first().click(),
      ]);
      await shot('checkout');
      await Promise.all([
        page.waitForURL(/\/confirmation\//),
        page.getByRole('button', { name: w.place }).click(),
      ]);
      await shot('confirmation');
      await context.close();
    }
  }
}

// A declaration (hoisted): `--design` and `--backoffice` run at the top, before this line.
function login(page: Page, base: string, email: string) {
  return signIn(page, base, email, DEMO_PASSWORD);
}

/**
 * The demo merchant (id 1) takes pickup orders at its stores (so the orders list has rows to show)
 * and a customer places `orders` of them in `page`; returns the merchant's slug.
 */
async function demoMerchantWithOrders(server: DemoServer, page: Page, orders: number) {
  const db = server.database?.db;
  const slug = String(
    (await db?.selectFrom('merchants').select('slug').where('id', '=', 1).executeTakeFirst())?.slug,
  );
  await db?.updateTable('locations').set({ pickup: 1 }).where('merchant_id', '=', 1).execute();
  for (let i = 0; i < orders; i++)
    await placeOrder(page, server.base, slug).catch((e: Error) =>
      console.warn(`order not placed: ${e.message}`),
    );
  return slug;
}

/** A pickup order at the demo merchant (id 1), placed through the real pages, so the back-office has orders. */
async function placeOrder(page: Page, base: string, merchantSlug: string) {
  await page.goto(`${base}/fr/m/${merchantSlug}`);
  const product = await page.locator('a[href^="/fr/p/"]').first().getAttribute('href');
  await page.goto(`${base}${product}`);
  await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Ajouter au panier' }).first().click(),
  ]);
  await page.goto(`${base}/fr/paiement`);
  await page.getByLabel('Nom', { exact: true }).fill('Camille Tremblay');
  await page.getByLabel('Courriel', { exact: true }).fill('camille@example.test');
  await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Passer la commande' }).click(),
  ]);
}

async function designScreenshots() {
  const server = await demoServer({ merchants: 12, products: 240 });
  const browser = await launchBrowser();
  const shot = async (page: Page, name: string, device: string, fullPage = false) => {
    const file = `${outDir}design-${name}-fr-${device}.png`;
    await page.screenshot({ path: file, fullPage });
    console.log(file);
  };
  try {
    // A customer places two orders, fills the cart and sees checkout.
    const customer = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'fr-CA' });
    const c = await customer.newPage();
    const slug = await demoMerchantWithOrders(server, c, 2);
    await c.goto(`${server.base}/fr/m/${slug}`);
    const product = await c.locator('a[href^="/fr/p/"]').first().getAttribute('href');
    await c.goto(`${server.base}${product}`);
    await Promise.all([
      c.waitForNavigation(),
      c.getByRole('button', { name: 'Ajouter au panier' }).first().click(),
    ]);
    await c.goto(`${server.base}/fr/panier`);
    await shot(c, 'cart', 'mobile', true);
    await c.goto(`${server.base}/fr/paiement`);
    await shot(c, 'checkout', 'mobile', true);
    await c.goto(`${server.base}/fr/nulle-part`);
    await shot(c, 'error', 'mobile');
    await customer.close();

    for (const [device, viewport] of [
      ['mobile', { width: 390, height: 844 }],
      ['desktop', { width: 1366, height: 900 }],
    ] as const) {
      const merchant = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'fr-CA' });
      const m = await merchant.newPage();
      await login(m, server.base, 'marchand@comptoir.demo');
      await m.goto(`${server.base}/fr/marchand`, { waitUntil: 'networkidle' });
      await shot(m, 'bo-dashboard', device);
      await m.goto(`${server.base}/fr/marchand/commandes`, { waitUntil: 'networkidle' });
      await shot(m, 'bo-orders', device);
      const order = await m
        .locator('a[href^="/fr/marchand/commandes/"]')
        .first()
        .getAttribute('href', { timeout: 2000 })
        .catch(() => null);
      if (order && device === 'desktop') {
        await m.goto(`${server.base}${order}`, { waitUntil: 'networkidle' });
        await shot(m, 'bo-order', device, true);
      }
      if (device === 'mobile') {
        // A form that failed: the summary at the top, each error beside its field.
        await m.goto(`${server.base}/fr/marchand/produits/nouveau`);
        await m.getByLabel('Prix ($)').fill('abc');
        await Promise.all([m.waitForNavigation(), m.getByRole('button', { name: 'Enregistrer' }).click()]);
        await shot(m, 'bo-form-errors', device, true);
        await m.goto(`${server.base}/fr/marchand/profil?saved=1`);
        await shot(m, 'bo-flash', device);
        await m.goto(`${server.base}/fr/marchand/produits`);
        await shot(m, 'bo-products', device);
        // Components on their own (element screenshots: small files), for docs/DESIGN.md.
        // `maxHeight`: only the top of a tall component (the week of opening hours).
        const part = async (selector: string, name: string, maxHeight = 1200) => {
          const el = m.locator(selector).first();
          if (!(await el.count())) return console.warn(`design-${name}: no ${selector}`);
          const file = `${outDir}design-${name}-fr-${device}.png`;
          // In page coordinates, as a full-page clip wants them.
          const box = await el.evaluate((e) => {
            const r = e.getBoundingClientRect();
            return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
          });
          if (box.height > maxHeight)
            await m.screenshot({ path: file, fullPage: true, clip: { ...box, height: maxHeight } });
          else await el.screenshot({ path: file });
          console.log(file);
        };
        await m.goto(`${server.base}/fr/marchand`, { waitUntil: 'networkidle' });
        await part('dl.stats', 'bo-stats');
        await part('.live-orders', 'bo-live');
        await m.goto(`${server.base}/fr/marchand/commandes`, { waitUntil: 'networkidle' });
        await part('nav.filters', 'bo-filters');
        await part('main .empty', 'bo-empty');
        if (order) {
          await m.goto(`${server.base}${order}`, { waitUntil: 'networkidle' });
          await part('.bo-order .actions', 'bo-buttons');
          await part('.bo-order table.data', 'bo-order-lines');
        }
        const store = (
          await m
            .goto(`${server.base}/fr/marchand/magasins`)
            .then(() =>
              m
                .locator('main a[href^="/fr/marchand/magasins/"]')
                .evaluateAll((as) => as.map((x) => x.getAttribute('href') ?? '')),
            )
        ).find((h) => /\/\d+$/.test(h));
        if (store) {
          await m.goto(`${server.base}${store}`, { waitUntil: 'networkidle' });
          await part('.hours-editor', 'bo-hours', 760);
          await part('.closures-editor', 'bo-closures');
        }
      }
      await merchant.close();

      const admin = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'fr-CA' });
      const a = await admin.newPage();
      await login(a, server.base, 'admin@comptoir.demo');
      await a.goto(`${server.base}/fr/admin`, { waitUntil: 'networkidle' });
      await shot(a, 'admin-home', device, device === 'desktop');
      await a.goto(`${server.base}/fr/admin/region`, { waitUntil: 'networkidle' });
      await shot(a, 'admin-region', device);
      await a.goto(`${server.base}/fr/admin/commerces?status=all`, { waitUntil: 'networkidle' });
      await shot(a, 'admin-merchants', device);
      if (device === 'mobile') {
        await a.goto(`${server.base}/fr/admin/impact`, { waitUntil: 'networkidle' });
        await shot(a, 'admin-impact', device);
        await a.goto(`${server.base}/fr/admin/associations`, { waitUntil: 'networkidle' });
        await shot(a, 'admin-associations', device, true);
        // One association's admin: its members as stacked rows with their actions.
        const one = await a
          .locator('main a[href^="/fr/admin/associations/"]')
          .first()
          .getAttribute('href', { timeout: 2000 })
          .catch(() => null);
        if (one) {
          await a.goto(`${server.base}${one}`, { waitUntil: 'networkidle' });
          await shot(a, 'admin-association', device);
        }
      }
      await admin.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

/** `/fr/admin/commerces?status=all` → `commerces-status-all` (a file-name part). */
function slugOf(path: string) {
  return (
    path
      .replace(/^\/(fr|en)\/(admin|marchand|merchant)\/?/, '')
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '') || 'home'
  );
}

/**
 * The back-office pages (menu sections, an order, a product, a store) and the console pages (every
 * tool the console home links to), found by following the links of the signed-in pages, in fr and
 * en in the same order, so each English path names the screenshots of both languages. Prints the
 * pages wider than the viewport (sideways scroll).
 */
async function backofficeScreenshots() {
  const server = await demoServer({ merchants: 12, products: 240 });
  const browser = await launchBrowser();
  try {
    const customer = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await demoMerchantWithOrders(server, await customer.newPage(), 1);
    await customer.close();
    const links = async (page: Page, url: string, selector: string) => {
      await page.goto(`${server.base}${url}`);
      return page.locator(selector).evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    };
    const unique = (xs: string[]) => [...new Set(xs)];
    const wide: string[] = [];
    for (const [prefix, email, pathsOf] of [
      [
        'bo',
        'marchand@comptoir.demo',
        async (page: Page, lang: 'fr' | 'en') => {
          const root = lang === 'fr' ? '/fr/marchand' : '/en/merchant';
          const nav = await links(page, root, 'nav.bo-nav a');
          // The links of a list page to the pages below it.
          const below = (fr: string, en: string) => {
            const list = `${root}/${lang === 'fr' ? fr : en}`;
            return links(page, list, `main a[href^="${list}/"]`);
          };
          const order = (await below('commandes', 'orders'))[0];
          const products = await below('produits', 'products');
          const product = products.filter((h) => /\/\d+$/.test(h))[0];
          const stores = await below('magasins', 'locations');
          const store = stores.filter((h) => /\/\d+$/.test(h))[0];
          // The "new" forms (a product, a store): `…/nouveau` in French, `…/new` names the file.
          const blank = [...products, ...stores].filter((h) => /\/nouveau$/.test(h));
          return unique([...nav, order, product, store, ...blank].filter(Boolean)).map((h) => [
            h,
            h.replace(/\/\d+$/, '/id').replace(/\/nouveau$/, '/new'),
          ]);
        },
      ],
      [
        'admin',
        'admin@comptoir.demo',
        async (page: Page, lang: 'fr' | 'en') => {
          const tools = unique(await links(page, `/${lang}/admin`, 'main ul.cards a'));
          // One page below each tool's list (an association's admin, a campaign, a town, a
          // category), named by its kind: `…/associations/aylmer` → `admin-associations-id`.
          const below: string[] = [];
          for (const tool of tools.filter((h) => !h.includes('?'))) {
            const under = await links(page, tool, `main a[href^="${tool}/"]`);
            const first = under.find((h) => /^\/(fr|en)\/admin\/[^/?#]+\/[^/?#]+$/.test(h));
            if (first) below.push(first);
          }
          return unique([`/${lang}/admin`, ...tools, ...below]).map((h) => [
            h,
            below.includes(h) ? h.replace(/\/[^/]+$/, '/id') : h,
          ]);
        },
      ],
    ] as const) {
      // `--backoffice=admin` (or `=bo`): only that half; `--pages=bo-products,admin-impact`: only those.
      const only = process.argv.find((a) => a.startsWith('--backoffice='))?.split('=')[1];
      const pages = process.argv
        .find((a) => a.startsWith('--pages='))
        ?.slice('--pages='.length)
        .split(',');
      if (only && only !== prefix) continue;
      for (const [device, viewport] of [
        ['mobile', { width: 390, height: 844 }],
        ['desktop', { width: 1366, height: 900 }],
      ] as const) {
        // English first: its paths name the screenshots of both languages. One browser context
        // per language, in that language's locale (Accept-Language, Intl in the page's scripts).
        // The file and date fields' own words come from the browser's interface language: with
        // only en-US installed they read "Choose File" and "mm/dd/yyyy" on French pages too.
        let en: string[][] = [];
        for (const lang of ['en', 'fr'] as const) {
          const context = await browser.newContext({
            viewport,
            deviceScaleFactor: 1,
            locale: lang === 'fr' ? 'fr-CA' : 'en-CA',
          });
          const page = await context.newPage();
          await login(page, server.base, email);
          const paths = await pathsOf(page, lang);
          if (lang === 'en') en = paths;
          for (const [i, [path]] of paths.entries()) {
            const name = `${prefix}-${slugOf(en[i]?.[1] ?? path)}`;
            if (pages && !pages.includes(name)) continue;
            const res = await page
              .goto(`${server.base}${path}`, { waitUntil: 'networkidle' })
              .catch(() => null);
            if (!res || res.status() >= 400) {
              console.warn(`skip ${path}: ${res?.status() ?? 'no response'}`);
              continue;
            }
            const width = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
            if (width > viewport.width) wide.push(`${path} at ${viewport.width} px: ${width} px wide`);
            const file = `${outDir}${name}-${lang}-${device}.png`;
            await page.screenshot({ path: file });
            console.log(file);
          }
          await context.close();
        }
      }
    }
    if (wide.length) console.warn(`pages wider than the screen:\n  ${wide.join('\n  ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * Card payments (issue 15), fr and en, 390 px and 1366 px: `merchant-payments-*` (the demo merchant
 * connected at the fake Stripe, a 2,5 % region fee, one card order on its statement) and
 * `checkout-card-*` (the card chosen, the Payment Element stub filled). Nothing leaves the machine.
 */
async function paymentScreenshots() {
  const { startFakeStripe, signedEvent } = await import('../test/helpers/fake-stripe.ts');
  const { startStripeJsStub } = await import('../test/helpers/stripe-js-stub.ts');
  const { startOnboarding, stripeClient } = await import('../src/modules/payments/index.ts');
  const { setRegion } = await import('../src/modules/region/index.ts');
  const fake = await startFakeStripe();
  const stub = await startStripeJsStub(fake);
  const connectSecret = 'whsec_screenshots_connect';
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: 'sk_test_screenshots',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_screenshots',
    STRIPE_WEBHOOK_SECRET: 'whsec_screenshots',
    STRIPE_CONNECT_WEBHOOK_SECRET: connectSecret,
    STRIPE_API_BASE: fake.url,
    STRIPE_JS_URL: stub.url,
  });
  const server = await demoServer({ merchants: 20, products: 400 });
  const browser = await launchBrowser();
  try {
    const db = server.database?.db;
    if (!db) throw new Error('payment screenshots need the in-process demo (no BASE_URL)');
    await setRegion(db, { platform_fee_percent: 2.5 });
    // The demo merchant (id 1) onboarded at the fake: its account, Stripe's hosted onboarding done,
    // the signed account.updated delivered to the Connect webhook.
    await startOnboarding(
      db,
      stripeClient({ STRIPE_SECRET_KEY: 'sk_test_screenshots', STRIPE_API_BASE: fake.url }),
      1,
      {
        refreshUrl: `${server.base}/r`,
        returnUrl: `${server.base}/x`,
      },
    );
    const acct = [...fake.accounts.values()].at(-1);
    if (!acct) throw new Error('no account created at the fake');
    const ev = signedEvent(connectSecret, 'account.updated', fake.completeOnboarding(acct.id));
    const hook = await fetch(`${server.base}/api/v1/stripe/connect-webhook`, {
      method: 'POST',
      headers: ev.headers,
      body: ev.payload,
    });
    if (hook.status !== 200) throw new Error(`connect webhook: ${hook.status}`);
    await db.updateTable('locations').set({ pickup: 1 }).where('merchant_id', '=', 1).execute();
    const slug = String(
      (await db.selectFrom('merchants').select('slug').where('id', '=', 1).executeTakeFirst())?.slug,
    );
    const words = {
      fr: {
        checkout: '/fr/paiement',
        name: 'Nom',
        email: 'Courriel',
        card: 'Carte de crédit',
        place: 'Passer la commande',
        add: 'Ajouter au panier',
      },
      en: {
        checkout: '/en/checkout',
        name: 'Name',
        email: 'Email',
        card: 'Credit card',
        place: 'Place order',
        add: 'Add to cart',
      },
    };
    let paid = false;
    for (const [device, viewport] of [
      ['mobile', { width: 390, height: 844 }],
      ['desktop', { width: 1366, height: 900 }],
    ] as const) {
      for (const lang of ['fr', 'en'] as const) {
        const w = words[lang];
        const context = await browser.newContext({
          viewport,
          deviceScaleFactor: 1,
          locale: lang === 'fr' ? 'fr-CA' : 'en-CA',
        });
        const page = await context.newPage();
        await page.goto(`${server.base}/${lang}/m/${slug}`);
        const product = await page.locator(`a[href^="/${lang}/p/"]`).first().getAttribute('href');
        await page.goto(`${server.base}${product}`);
        await Promise.all([
          page.waitForNavigation(),
          page.getByRole('button', { name: w.add }).first().click(),
        ]);
        await page.goto(`${server.base}${w.checkout}`, { waitUntil: 'networkidle' });
        await page.getByLabel(w.name, { exact: true }).fill('Camille Tremblay');
        await page.getByLabel(w.email, { exact: true }).fill('camille@example.test');
        await page.getByLabel(w.card).check();
        await page.locator('#stub-card').fill('4242 4242 4242 4242');
        await page.locator('[data-card-entry]').scrollIntoViewIfNeeded();
        const file = `${outDir}checkout-card-${lang}-${device}.png`;
        await page.screenshot({ path: file, fullPage: device === 'mobile' });
        console.log(file);
        if (!paid) {
          // One card order, so the merchant's statement has lines.
          await Promise.all([
            page.waitForURL(/\/confirmation\//),
            page.getByRole('button', { name: w.place }).click(),
          ]);
          paid = true;
        }
        await context.close();
      }
    }
    for (const [device, viewport] of [
      ['mobile', { width: 390, height: 844 }],
      ['desktop', { width: 1366, height: 900 }],
    ] as const) {
      for (const lang of ['fr', 'en'] as const) {
        const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
        const page = await context.newPage();
        await signIn(page, server.base, 'marchand@comptoir.demo', DEMO_PASSWORD, lang);
        await page.goto(
          `${server.base}/${lang}/${lang === 'fr' ? 'marchand/paiements' : 'merchant/payments'}`,
          {
            waitUntil: 'networkidle',
          },
        );
        const file = `${outDir}merchant-payments-${lang}-${device}.png`;
        await page.screenshot({ path: file, fullPage: true });
        console.log(file);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await stub.close();
    await fake.close();
  }
}
