import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium. Locally, browser tests skip (with a message) when it is not installed; under
 * CI (`CI` set and not 0/false) they never skip: a missing Chromium fails them, so a green CI run
 * always includes the browser tests.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const inCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
const missing = `Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`;
export const skipReason = hasChromium || inCi ? false : missing;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium; Playwright gives every launch a fresh temporary user-data-dir. */
export function launchBrowser(): Promise<Browser> {
  if (!hasChromium) return Promise.reject(new Error(`${missing}; browser tests cannot be skipped under CI`));
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A page in a new browser context that collects what went wrong in it: uncaught exceptions and
 * console errors (with the script's URL). `close()` closes the context.
 */
export async function newTrackedPage(
  browser: Browser,
  opts: { viewport: { width: number; height: number }; locale?: string },
): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  return { page, errors, close: () => context.close() };
}

/**
 * Signs in through the login form of `lang`, as a person would (labels and button by their text),
 * and waits for the page it leads to.
 */
export async function signIn(
  page: Page,
  base: string,
  email: string,
  password: string,
  lang: 'fr' | 'en' = 'fr',
): Promise<void> {
  const fr = lang === 'fr';
  await page.goto(`${base}/${lang}/${fr ? 'connexion' : 'login'}`);
  await page.getByLabel(fr ? 'Adresse courriel' : 'Email address').fill(email);
  await page.getByLabel(fr ? 'Mot de passe' : 'Password').fill(password);
  await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: fr ? 'Se connecter' : 'Sign in' }).click(),
  ]);
}

// A 1×1 PNG: enough for Leaflet to draw tiles without any network.
const TILE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==',
  'base64',
);

/** Serves map tiles locally so pages with maps never reach the internet in tests. */
export async function startTileServer(): Promise<{
  url: string;
  requests: () => number;
  close(): Promise<void>;
}> {
  let count = 0;
  const server: Server = createServer((_req, res) => {
    count++;
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=3600' });
    res.end(TILE);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png`,
    requests: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
