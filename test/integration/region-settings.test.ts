import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createOperator } from '../../src/modules/accounts/index.ts';
import { clearRegionCache } from '../../src/modules/region/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

// Sherbrooke: a region that is not the demo's, to prove nothing falls back to Gatineau.
const SHERBROOKE = ['--name', 'Comptoir Estrie', '--name-en', 'Eastern Townships Counter'];
const CENTRE = ['--centre', '45.40,-71.89', '--bounds', '45.0,-72.5,45.8,-71.3'];

describe(`region settings (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let regionAdmin: Agent;
  let associationAdmin: Agent;
  let anonymous: Agent;
  const db = () => p.context.database.db;
  const row = () => db().selectFrom('region_settings').selectAll().executeTakeFirst();
  const mediaFiles = () => {
    const dir = join(p.testDb.dataDir, 'media', 'region');
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  };
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'region', 'set', ...args], {
      env: { ...process.env, ...p.testDb.childEnv, LANG: 'fr_CA.UTF-8' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const getJson = async (url: string) => {
    const res = await p.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as Record<string, unknown>;
  };

  async function agentFor(userId: number, ip: string) {
    const a = new Agent(p.app, ip);
    const [name, value] = (await sessionCookie(db(), userId)).split('=');
    a.cookies.set(name, value);
    return a;
  }

  /** A multipart form like the browser sends (the page's form is multipart for the logo). */
  async function postMultipart(
    agent: Agent,
    url: string,
    fields: Record<string, string>,
    file?: { name: string; type: string; data: Buffer },
  ) {
    const token = csrfFrom((await agent.get(url)).body);
    const boundary = '----comptoir-test-boundary';
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries({ ...fields, _csrf: token }))
      parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    if (file)
      parts.push(
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="logo"; filename="${file.name}"\r\ncontent-type: ${file.type}\r\n\r\n`,
        ),
        file.data,
        Buffer.from('\r\n'),
      );
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return agent.request({
      method: 'POST',
      url,
      payload: Buffer.concat(parts),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
  }

  before(async () => {
    p = await createTestPlatform();
    const pw = 'correct horse battery staple';
    await db()
      .insertInto('associations')
      .values({
        slug: 'magog',
        name: 'Commerçants de Magog',
        short_name: 'Magog',
        primary_color: '#0b5e3c',
        accent_color: '#ffffff',
        municipalities_json: '["Magog"]',
        center_lat: 45.27,
        center_lng: -72.15,
      })
      .execute();
    const rg = await createOperator(db(), {
      email: 'region@example.org',
      password: pw,
      role: 'region_admin',
    });
    const as = await createOperator(db(), {
      email: 'magog@example.org',
      password: pw,
      role: 'association_admin',
      association: 'magog',
    });
    regionAdmin = await agentFor(rg.user_id, '10.0.5.1');
    associationAdmin = await agentFor(as.user_id, '10.0.5.2');
    anonymous = new Agent(p.app, '10.0.5.3');
  });
  after(() => p.close());

  test('a fresh database serves neutral defaults and every page still works', async () => {
    assert.equal(await row(), undefined);
    const region = await getJson('/api/v1/region');
    assert.equal(region.name, 'Comptoir');
    assert.equal(region.bounds, null);
    assert.equal(region.default_radius_km, 25);
    for (const url of ['/fr', '/en', '/fr/conditions', '/en/privacy', '/fr/recherche?q=pain']) {
      const res = await p.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /<title>[^<]*Comptoir<\/title>/, url);
      assert.doesNotMatch(res.body, /Outaouais|Gatineau/, url);
    }
    // This process read the defaults; the CLI below writes from another process, seen here after
    // REGION_TTL_MS. The tests skip that wait by clearing this instance's cache.
    clearRegionCache(db());
  });

  test('CLI region set on a fresh database, then GET /api/v1/region and the home page', async () => {
    const r = cli(
      ...SHERBROOKE,
      ...CENTRE,
      '--timezone',
      'America/Toronto',
      '--radius-km',
      '30',
      '--tagline',
      'Achetez en Estrie',
      '--tagline-en',
      'Shop in the Eastern Townships',
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    clearRegionCache(db());
    const served = await getJson('/api/v1/region');
    assert.deepEqual(printed, served);
    assert.deepEqual(served, {
      name: 'Comptoir Estrie',
      name_en: 'Eastern Townships Counter',
      tagline: 'Achetez en Estrie',
      tagline_en: 'Shop in the Eastern Townships',
      centre: { lat: 45.4, lng: -71.89 },
      bounds: { south: 45, west: -72.5, north: 45.8, east: -71.3 },
      timezone: 'America/Toronto',
      default_radius_km: 30,
      colours: { primary: '#1d4f91', accent: '#b3261e' },
    });
    const fr = await p.app.inject({ method: 'GET', url: '/fr' });
    assert.match(fr.body, /<title>[^<]*Comptoir Estrie<\/title>/);
    assert.match(fr.body, /<p class="tagline">Achetez en Estrie<\/p>/);
    assert.match(fr.body, /--brand:#1d4f91/);
    const en = await p.app.inject({ method: 'GET', url: '/en' });
    assert.match(en.body, /<title>[^<]*Eastern Townships Counter<\/title>/);
    assert.match(en.body, /<p class="tagline">Shop in the Eastern Townships<\/p>/);
  });

  test('the API documents GET /api/v1/region with an operationId', async () => {
    const doc = await getJson('/api/v1/openapi.json');
    const op = (doc.paths as Record<string, Record<string, { operationId?: string }>>)['/api/v1/region'].get;
    assert.equal(op.operationId, 'getRegion');
  });

  for (const [name, args, pattern] of [
    ['a latitude out of range', ['--centre', '95,-71.89'], /^comptoir: --centre: La latitude doit être/],
    ['a centre that is not a pair', ['--centre', 'nord'], /^comptoir: --centre: Indiquez le centre/],
    [
      'bounds that do not contain the centre',
      ['--centre', '45.40,-71.89', '--bounds', '46,-72,47,-71'],
      /^comptoir: --bounds: Les limites doivent contenir le centre/,
    ],
    [
      'an unknown time zone',
      [...CENTRE, '--timezone', 'Mars/Olympus'],
      /^comptoir: --timezone: Fuseau horaire inconnu/,
    ],
    ['a radius that is not a number', [...CENTRE, '--radius-km', 'loin'], /^comptoir: --radius-km: Le rayon/],
    ['a missing centre', [], /^comptoir: --centre: Ce champ est obligatoire/],
  ] as const) {
    test(`CLI region set refuses ${name}: one line, non-zero exit, nothing changed`, async () => {
      const before = await row();
      const r = cli(...SHERBROOKE, ...args);
      // 2 for wrong usage (a required option missing), 1 for a refused value.
      assert.equal(r.status, name === 'a missing centre' ? 2 : 1, r.stdout);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\bat \w|Error:/, 'no stack trace');
      assert.deepEqual(await row(), before);
    });
  }

  test('search without lat/lng starts from the region centre and radius', async () => {
    const res = await getJson('/api/v1/search?q=pain');
    assert.deepEqual(res.point, { lat: 45.4, lng: -71.89, source: 'region', radius_km: 30 });
    // An explicit radius still wins.
    const wide = await getJson('/api/v1/search?q=pain&radius_km=80');
    assert.equal((wide.point as { radius_km: number }).radius_km, 80);
  });

  test('only a region admin reaches the settings page', async () => {
    const anon = await anonymous.get('/fr/admin/region');
    assert.equal(anon.statusCode, 303);
    assert.match(String(anon.headers.location), /^\/fr\/connexion/);
    const denied = await associationAdmin.get('/fr/admin/region');
    assert.equal(denied.statusCode, 403);
    // A POST with a valid CSRF token (taken from a page the association admin may see) is refused too.
    const token = csrfFrom((await associationAdmin.get('/fr/admin/associations/magog')).body);
    const before = await row();
    const post = await associationAdmin.post('/fr/admin/region', {
      _csrf: token,
      name: 'Pris',
      centre: '45.40, -71.89',
    });
    assert.equal(post.statusCode, 403);
    assert.deepEqual(await row(), before);
  });

  /** The form as it is shown, with some fields changed. */
  async function formFields(agent: Agent, url: string, changes: Record<string, string>) {
    const page = await agent.get(url);
    assert.equal(page.statusCode, 200);
    const fields: Record<string, string> = {};
    for (const m of page.body.matchAll(/<input id="f-(\w+)" name="\w+" type="(\w+)" value="([^"]*)"/g))
      if (m[2] !== 'file') fields[m[1]] = m[3].replace(/&amp;/g, '&').replace(/&quot;/g, '"');
    for (const m of page.body.matchAll(/<textarea\s+id="f-(\w+)"[^>]*>([^<]*)<\/textarea>/g))
      fields[m[1]] = m[2];
    assert.equal(fields.name, 'Comptoir Estrie', 'the form shows the stored settings');
    return { ...fields, ...changes };
  }

  test('admin page round trip: labelled form, save, flash, settings and legal pages updated', async () => {
    const url = '/fr/admin/region';
    const page = await regionAdmin.get(url);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label for="f-centre">Centre de la carte/);
    assert.match(page.body, /enctype="multipart\/form-data"/);
    const fields = await formFields(regionAdmin, url, {
      tagline_fr: 'Achetez en Estrie, près de chez vous',
      default_radius_km: '40',
      primary_color: '#0b5e3c',
      contact_email: 'bonjour@estrie.example',
      terms_fr: 'Premier paragraphe.\n\nDeuxième <b>paragraphe</b>.',
      privacy_fr: 'Vos données restent ici.',
      privacy_en: 'Your data stays here.',
    });
    const res = await postMultipart(regionAdmin, url, fields);
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/fr/admin/region?saved=1');
    const flash = await regionAdmin.get(String(res.headers.location));
    assert.match(flash.body, /role="status">Paramètres de la région enregistrés\./);

    const stored = await row();
    assert.equal(stored?.tagline_fr, 'Achetez en Estrie, près de chez vous');
    assert.equal(Number(stored?.default_radius_km), 40);
    assert.equal(stored?.name, 'Comptoir Estrie', 'untouched fields keep their values');
    // This instance's own update is visible at once (cache cleared by the service).
    const served = await getJson('/api/v1/region');
    assert.equal(served.default_radius_km, 40);
    assert.deepEqual(served.colours, { primary: '#0b5e3c', accent: '#b3261e' });
    const search = await getJson('/api/v1/search?q=pain');
    assert.equal((search.point as { radius_km: number }).radius_km, 40);

    const home = await p.app.inject({ method: 'GET', url: '/fr' });
    assert.match(home.body, /--brand:#0b5e3c/);
    assert.match(home.body, /href="\/fr\/conditions"/);
    assert.match(home.body, /href="\/fr\/confidentialite"/);
    assert.match(home.body, /mailto:bonjour@estrie\.example/);

    const terms = await p.app.inject({ method: 'GET', url: '/fr/conditions' });
    assert.equal(terms.statusCode, 200);
    assert.match(terms.body, /<p>Premier paragraphe\.<\/p>/);
    assert.match(terms.body, /Deuxième &lt;b>paragraphe&lt;\/b>\./, 'plain text, never markup');
    const termsEn = await p.app.inject({ method: 'GET', url: '/en/terms' });
    assert.match(termsEn.body, /This text is only available in French\./);
    assert.match(termsEn.body, /<div lang="fr-CA"><p>Premier paragraphe\.<\/p>/);
    const privacyEn = await p.app.inject({ method: 'GET', url: '/en/privacy' });
    assert.match(privacyEn.body, /<p>Your data stays here\.<\/p>/);
    assert.doesNotMatch(privacyEn.body, /only available in French/);
  });

  test('a logo upload is re-encoded to WebP and served', async () => {
    const png = await sharp({
      create: { width: 300, height: 120, channels: 3, background: { r: 20, g: 80, b: 140 } },
    })
      .png()
      .toBuffer();
    const url = '/fr/admin/region';
    const res = await postMultipart(regionAdmin, url, await formFields(regionAdmin, url, {}), {
      name: 'logo.png',
      type: 'image/png',
      data: png,
    });
    assert.equal(res.statusCode, 303, res.body);
    const served = await getJson('/api/v1/region');
    assert.match(String(served.logo_url), /^\/media\/region\/[0-9a-f]{24}\.webp$/);
    const img = await p.app.inject({ method: 'GET', url: String(served.logo_url) });
    assert.equal(img.statusCode, 200);
    assert.equal(img.headers['content-type'], 'image/webp');
    assert.equal((await sharp(img.rawPayload).metadata()).format, 'webp');
    const home = await p.app.inject({ method: 'GET', url: '/fr' });
    assert.ok(home.body.includes(`<img src="${served.logo_url}"`));
  });

  for (const [name, lang, changes, file, field, message] of [
    [
      'a latitude out of range',
      'fr',
      { centre: '95, -71.89' },
      undefined,
      'centre',
      'La latitude doit être un nombre entre -90 et 90.',
    ],
    [
      'bounds that do not contain the centre',
      'fr',
      { bounds: '46, -72, 47, -71' },
      undefined,
      'bounds',
      'Les limites doivent contenir le centre de la région.',
    ],
    [
      'an unknown time zone',
      'en',
      { timezone: 'Mars/Olympus' },
      undefined,
      'timezone',
      'Unknown time zone. Use an IANA name, e.g. America/Toronto.',
    ],
    [
      'a low-contrast colour',
      'fr',
      { primary_color: '#ffff00' },
      undefined,
      'primary_color',
      'Contraste insuffisant avec le blanc (4,5:1 au minimum pour du texte) : choisissez une couleur plus foncée.',
    ],
    [
      'a logo that is not an image (even with an image name)',
      'fr',
      { tagline_fr: 'Ne doit pas être enregistré' },
      { name: 'logo.png', type: 'image/png', data: Buffer.from('#!/bin/sh\necho not an image\n') },
      'logo',
      'Ce fichier n’est pas une image : JPEG, PNG ou WebP seulement.',
    ],
  ] as const) {
    test(`the admin page refuses ${name} next to the field, changing nothing`, async () => {
      const url = lang === 'fr' ? '/fr/admin/region' : '/en/admin/region';
      const before = await row();
      const filesBefore = mediaFiles();
      const res = await postMultipart(regionAdmin, url, await formFields(regionAdmin, url, changes), file);
      assert.equal(res.statusCode, 400);
      const escaped = message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(
        res.body,
        new RegExp(`<p class="field-error" id="f-${field}-error" role="alert">${escaped}</p>`),
      );
      assert.match(res.body, /aria-invalid="true"/);
      assert.deepEqual(await row(), before);
      assert.deepEqual(mediaFiles(), filesBefore, 'no file written');
    });
  }
});
