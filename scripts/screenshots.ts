// npm run screenshots: mobile (390×844) and desktop (1280×800) screenshots of the key pages in
// both languages, saved under docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/helpers/browser.ts';
import { demoServer, samplePaths } from './demo-server.ts';

const outDir = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(outDir, { recursive: true });
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
} finally {
  await browser.close();
  await server.close();
}
