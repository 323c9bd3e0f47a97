import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { resolveCategorySlugs } from '../../src/modules/catalog/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const PW = 'correct horse battery';

describe('region setup: towns and categories on a fresh database (no demo)', () => {
  let p: TestPlatform;
  let admin: Agent;
  let client: Agent;
  const db = () => p.context.database.db;
  const file = (name: string, text: string) => {
    const path = join(p.testDb.dataDir, name);
    writeFileSync(path, text);
    return path;
  };
  const cli = (lang: 'fr' | 'en', ...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...p.testDb.childEnv, LANG: lang === 'fr' ? 'fr_CA.UTF-8' : 'en_CA.UTF-8' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const towns = () =>
    db()
      .selectFrom('municipalities')
      .select(['name', 'lat', 'lng', 'postal_prefixes'])
      .orderBy('name')
      .execute()
      .then((rows) => rows.map((r) => ({ ...r }))); // plain objects for deepEqual
  const categories = () =>
    db()
      .selectFrom('categories')
      .select(['id', 'slug', 'name_fr', 'name_en', 'hidden'])
      .orderBy('id')
      .execute()
      .then((rows) => rows.map((r) => ({ ...r })));
  const signedIn = async (userId: number) => {
    const a = new Agent(p.app);
    a.cookies.set('session', (await sessionCookie(db(), userId)).split('=')[1]);
    return a;
  };

  before(async () => {
    p = await createTestPlatform();
    const ra = await createUser(db(), {
      email: 'region@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    const cl = await createUser(db(), { email: 'client@example.test', password: PW, verified: true });
    admin = await signedIn(ra.id);
    client = await signedIn(cl.id);
  });
  after(() => p.close());

  test('after migrate alone, the default bilingual taxonomy exists (and no demo data)', async () => {
    const rows = await categories();
    assert.equal(
      Number(
        (
          await db()
            .selectFrom('merchants')
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      0,
    );
    assert.ok(rows.length >= 25 && rows.length <= 35, `${rows.length} categories`);
    const bySlug = new Map(rows.map((r) => [r.slug, r]));
    assert.deepEqual(
      { fr: bySlug.get('epicerie')?.name_fr, en: bySlug.get('epicerie')?.name_en },
      { fr: 'Épicerie', en: 'Grocery' },
    );
    for (const slug of [
      'boulangerie-patisserie',
      'fromagerie',
      'vetements-mode',
      'quincaillerie-renovation',
      'services',
    ])
      assert.ok(bySlug.has(slug), slug);
    for (const r of rows) assert.ok(r.name_fr && r.name_en && r.hidden === 0, r.slug);
    // The demo's former slugs still resolve (aliases) to the taxonomy's categories.
    const resolved = await resolveCategorySlugs(db(), ['vetements', 'boissons', 'epicerie', 'nope']);
    assert.equal(resolved.get('vetements'), bySlug.get('vetements-mode')?.id);
    assert.equal(resolved.get('boissons'), bySlug.get('boissons-alcools')?.id);
    assert.equal(resolved.get('epicerie'), bySlug.get('epicerie')?.id);
    assert.equal(resolved.has('nope'), false);
  });

  test('GET /api/v1/categories?lang=en lists visible categories named in the language', async () => {
    const en = await p.app.inject({ url: '/api/v1/categories?lang=en' });
    assert.equal(en.statusCode, 200);
    const list = en.json() as { slug: string; name: string; name_fr: string; name_en: string }[];
    assert.deepEqual(list[0], { slug: 'epicerie', name: 'Grocery', name_fr: 'Épicerie', name_en: 'Grocery' });
    assert.equal(list.length, (await categories()).length);
    const fr = (await p.app.inject({ url: '/api/v1/categories?lang=fr' })).json() as { name: string }[];
    assert.equal(fr[0].name, 'Épicerie');
    assert.equal((await p.app.inject({ url: '/api/v1/categories?lang=de' })).statusCode, 400);
    const spec = (await p.app.inject({ url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, { get?: { operationId?: string } }>;
    };
    assert.equal(spec.paths['/api/v1/categories']?.get?.operationId, 'listCategories');
  });

  test('comptoir towns import: a good file (BOM, CRLF, quotes) is imported, then updated by name', async () => {
    const good = file(
      'towns.csv',
      '\ufeffname,lat,lng,postal_prefixes\r\nSaint-Lin,45.85,-73.76,j5m\r\n"Lac-Simon, secteur nord",45.9,-75.1,J0V J0W\r\nVal-Morin,46.0,-74.18,\r\n',
    );
    const r = cli('fr', 'towns', 'import', good, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      { ...JSON.parse(r.stdout), file: undefined },
      { file: undefined, created: 3, updated: 0 },
    );
    assert.deepEqual(await towns(), [
      { name: 'Lac-Simon, secteur nord', lat: 45.9, lng: -75.1, postal_prefixes: 'J0V J0W' },
      { name: 'Saint-Lin', lat: 45.85, lng: -73.76, postal_prefixes: 'J5M' },
      { name: 'Val-Morin', lat: 46, lng: -74.18, postal_prefixes: '' },
    ]);
    const again = cli('en', 'towns', 'import', file('towns2.csv', 'name,lat,lng\nVal-Morin,46.01,-74.19\n'));
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /0 added, 1 updated/);
    assert.deepEqual(
      (await towns()).find((t) => t.name === 'Val-Morin'),
      {
        name: 'Val-Morin',
        lat: 46.01,
        lng: -74.19,
        postal_prefixes: '',
      },
    );
  });

  test('a file with a bad row: exit non-zero, the message names the line, nothing imported', async () => {
    const before = await towns();
    const cases: [string, string, RegExp, RegExp, number][] = [
      [
        'missing column',
        'name,lat,lng\nNewtown,45.1,-75.2\nOther,45.2\n',
        /Ligne 3 : 2 colonne/,
        /Line 3: 2 column/,
        3,
      ],
      [
        'lat out of range',
        'name,lat,lng,postal_prefixes\nNewtown,95,-75.2,J9H\n',
        /Ligne 2 : latitude « 95 »/,
        /Line 2: invalid latitude “95”/,
        2,
      ],
      [
        'non-numeric',
        'name,lat,lng\nNewtown,45.1,-75.2\nOther,45.2,ouest\n',
        /Ligne 3 : longitude « ouest »/,
        /Line 3: invalid longitude/,
        3,
      ],
      [
        'bad header',
        'town,latitude,longitude\nNewtown,45.1,-75.2\n',
        /Ligne 1 : l’en-tête/,
        /Line 1: the header/,
        1,
      ],
    ];
    for (const [label, text, fr, en, line] of cases) {
      const path = file('bad.csv', text);
      const r = cli('fr', 'towns', 'import', path);
      assert.equal(r.status, 2, `${label}: ${r.stdout}`);
      assert.match(r.stderr, fr, label);
      const e = cli('en', 'towns', 'import', path, '--json');
      assert.equal(e.status, 2, label);
      assert.match(e.stderr, en, label);
      const body = JSON.parse(e.stdout) as { error: { code: string; details: { line: number }[] } };
      assert.equal(body.error.code, 'validation_failed');
      assert.equal(body.error.details[0].line, line, label);
    }
    // The good row before the bad one was not imported either.
    assert.deepEqual(await towns(), before);
    const none = cli('en', 'towns', 'import', join(p.testDb.dataDir, 'missing.csv'));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /Cannot read the file/);
  });

  test('admin page /fr/admin/villes: list, add (errors next to fields), edit', async () => {
    const page = await admin.get('/fr/admin/villes');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Saint-Lin/);
    assert.match(page.body, /<label for="f-lat">Latitude/);

    const count = (await towns()).length;
    const bad = await admin.submit('/fr/admin/villes', {
      name: 'Ripon',
      lat: 'nord',
      lng: '-75.1',
      postal_prefixes: 'J0V',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-lat-error"[^>]*>La latitude doit être un nombre/);
    assert.match(bad.body, /value="Ripon"/);
    assert.equal((await towns()).length, count);

    const dup = await admin.submit('/fr/admin/villes', {
      name: 'Saint-Lin',
      lat: '45',
      lng: '-75',
      postal_prefixes: '',
    });
    assert.equal(dup.statusCode, 400);
    assert.match(dup.body, /id="f-name-error"[^>]*>Une ville porte déjà ce nom/);

    const ok = await admin.submit('/fr/admin/villes', {
      name: 'Ripon',
      lat: '45.79',
      lng: '-75.1',
      postal_prefixes: 'j0v',
    });
    assert.equal(ok.statusCode, 303);
    const ripon = await db()
      .selectFrom('municipalities')
      .selectAll()
      .where('name', '=', 'Ripon')
      .executeTakeFirstOrThrow();
    assert.deepEqual([ripon.lat, ripon.lng, ripon.postal_prefixes], [45.79, -75.1, 'J0V']);

    const editUrl = `/en/admin/towns/${ripon.id}`;
    const form = await admin.get(editUrl);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /value="45.79"/);
    const badEdit = await admin.submit(editUrl, {
      name: 'Ripon',
      lat: '45.79',
      lng: '-200',
      postal_prefixes: 'J0V',
    });
    assert.equal(badEdit.statusCode, 400);
    assert.match(badEdit.body, /id="f-lng-error"[^>]*>Longitude must be a number/);
    const edited = await admin.submit(editUrl, {
      name: 'Ripon (village)',
      lat: '45.8',
      lng: '-75.11',
      postal_prefixes: 'J0V J8L',
    });
    assert.equal(edited.statusCode, 303);
    const after = await db()
      .selectFrom('municipalities')
      .selectAll()
      .where('id', '=', ripon.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [after.name, after.lat, after.lng, after.postal_prefixes],
      ['Ripon (village)', 45.8, -75.11, 'J0V J8L'],
    );
    // The merchant sign-up form now offers the town.
    assert.match((await new Agent(p.app).get('/fr/marchand/inscription')).body, /Ripon \(village\)/);
  });

  test('categories: rename, add, hide and merge move products; the API follows', async () => {
    const cats = new Map((await categories()).map((c) => [c.slug, c]));
    const m = await createMerchant(db(), {
      name: 'Fromagerie Test',
      categories: ['fromagerie', 'epicerie'],
      location: { address: '1 rue Test', municipality: 'Saint-Lin', lat: 45.85, lng: -73.76 },
    });
    const product = async (sku: string, slug: string) =>
      (
        await db()
          .insertInto('products')
          .values({
            merchant_id: m.merchant_id,
            sku,
            title_fr: sku,
            price_cents: 500,
            category_id: cats.get(slug)!.id,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const cheese = await product('CHEDDAR', 'fromagerie');
    const toy = await product('TOUPIE', 'jouets-jeux');
    const productCategory = async (id: number) =>
      (await db().selectFrom('products').select('category_id').where('id', '=', id).executeTakeFirstOrThrow())
        .category_id;
    const merchantCategories = async () =>
      (
        await db()
          .selectFrom('merchant_categories')
          .select('category_id')
          .where('merchant_id', '=', m.merchant_id)
          .orderBy('category_id')
          .execute()
      ).map((r) => r.category_id);

    const page = await admin.get('/fr/admin/categories');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Boulangerie et pâtisserie/);

    // Rename (slug kept).
    const id = cats.get('fromagerie')!.id;
    const badRename = await admin.submit(`/fr/admin/categories/${id}`, { name_fr: ' ', name_en: 'Cheese' });
    assert.equal(badRename.statusCode, 400);
    assert.match(badRename.body, /id="f-name_fr-error"[^>]*>Indiquez le nom en français/);
    const renamed = await admin.submit(`/fr/admin/categories/${id}`, {
      name_fr: 'Fromages fins',
      name_en: 'Fine cheese',
    });
    assert.equal(renamed.statusCode, 303);
    const en = (await p.app.inject({ url: '/api/v1/categories?lang=en' })).json() as {
      slug: string;
      name: string;
    }[];
    assert.deepEqual(
      en.find((c) => c.slug === 'fromagerie'),
      {
        slug: 'fromagerie',
        name: 'Fine cheese',
        name_fr: 'Fromages fins',
        name_en: 'Fine cheese',
      },
    );

    // Add (slug from the French name; a taken slug is a field error).
    const taken = await admin.submit('/fr/admin/categories', {
      name_fr: 'Vêtements',
      name_en: 'Clothes',
      slug: 'vetements',
    });
    assert.equal(taken.statusCode, 400);
    assert.match(taken.body, /id="f-slug-error"[^>]*>Cet identifiant est déjà utilisé/);
    const added = await admin.submit('/en/admin/categories', {
      name_fr: 'Érablière',
      name_en: 'Sugar shack',
      slug: '',
    });
    assert.equal(added.statusCode, 303);
    assert.equal((await categories()).find((c) => c.slug === 'erabliere')?.name_en, 'Sugar shack');

    // Hide: products become uncategorised, merchants lose the category, the API and search leave it out.
    const toys = cats.get('jouets-jeux')!.id;
    const suggested = async () =>
      (
        (await p.app.inject({ url: '/api/v1/suggest?q=jouets&lang=fr' })).json() as {
          suggestions: { text: string }[];
        }
      ).suggestions.map((x) => x.text);
    assert.ok((await suggested()).includes('Jouets et jeux'));
    const hidden = await admin.submit(
      `/fr/admin/categories/${toys}/hide`,
      { hidden: '1' },
      '/fr/admin/categories',
    );
    assert.equal(hidden.statusCode, 303);
    assert.equal(await productCategory(toy), null);
    const api = (await p.app.inject({ url: '/api/v1/categories?lang=fr' })).json() as { slug: string }[];
    assert.equal(
      api.some((c) => c.slug === 'jouets-jeux'),
      false,
    );
    assert.equal((await categories()).find((c) => c.id === toys)?.hidden, 1);
    assert.equal((await suggested()).includes('Jouets et jeux'), false);

    // Merge fromagerie into epicerie: products and merchant links move, the slug becomes an alias.
    const grocery = cats.get('epicerie')!.id;
    const badMerge = await admin.submit(
      `/fr/admin/categories/${id}/merge`,
      { target: String(toys) },
      '/fr/admin/categories',
    );
    assert.equal(badMerge.statusCode, 400, 'a hidden target is refused');
    assert.match(badMerge.body, /Choisissez une autre catégorie visible/);
    assert.equal(await productCategory(cheese), id);
    const merged = await admin.submit(
      `/fr/admin/categories/${id}/merge`,
      { target: String(grocery) },
      '/fr/admin/categories',
    );
    assert.equal(merged.statusCode, 303);
    assert.equal(await productCategory(cheese), grocery);
    assert.deepEqual(await merchantCategories(), [grocery]);
    assert.equal(
      (await categories()).some((c) => c.slug === 'fromagerie'),
      false,
    );
    assert.equal((await resolveCategorySlugs(db(), ['fromagerie'])).get('fromagerie'), grocery);
  });

  test('non-admins are refused and nothing changes', async () => {
    const townsBefore = await towns();
    const catsBefore = await categories();
    for (const url of ['/fr/admin/villes', '/en/admin/towns', '/fr/admin/categories', '/en/admin/categories'])
      assert.equal((await client.get(url)).statusCode, 403, url);
    assert.equal((await new Agent(p.app).get('/fr/admin/villes')).statusCode, 303, 'anonymous → login');
    const target = catsBefore.find((c) => c.slug === 'epicerie')!.id;
    const source = catsBefore.find((c) => c.slug === 'animaux')!.id;
    const posts: [string, Record<string, string>][] = [
      ['/fr/admin/villes', { name: 'Intrus', lat: '45', lng: '-75', postal_prefixes: '' }],
      ['/fr/admin/categories', { name_fr: 'Intrus', name_en: 'Intruder', slug: '' }],
      [`/fr/admin/categories/${source}`, { name_fr: 'Intrus', name_en: 'Intruder' }],
      [`/fr/admin/categories/${source}/hide`, { hidden: '1' }],
      [`/fr/admin/categories/${source}/merge`, { target: String(target) }],
    ];
    for (const [url, fields] of posts) {
      const r = await client.submit(url, fields, '/fr/compte');
      assert.equal(r.statusCode, 403, url);
    }
    assert.deepEqual(await towns(), townsBefore);
    assert.deepEqual(await categories(), catsBefore);
  });
});
