import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { verifyPassword } from '../../src/modules/accounts/index.ts';
import { isValidGtin13 } from '../../src/tools/demo/generate.ts';
import { DEMO_CATEGORY_SLUGS, DEMO_PASSWORD, isEmpty, seedDemo } from '../../src/tools/demo/index.ts';
import { ASSOCIATIONS, VOCABULARY } from '../../src/tools/demo/region.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

/** Hash of the generated data (timestamps set by the database excluded), ordered by id. */
async function fingerprint(database: Database): Promise<string> {
  const h = createHash('sha256');
  const db = database.db;
  const merchants = await db
    .selectFrom('merchants')
    .select([
      'id',
      'slug',
      'legal_name',
      'display_name',
      'neq',
      'gst_number',
      'qst_number',
      'description_fr',
      'description_en',
      'email',
      'phone',
      'website',
      'status',
      'approved_at',
    ])
    .orderBy('id')
    .execute();
  h.update(JSON.stringify(merchants));
  const locations = await db
    .selectFrom('locations')
    .select([
      'id',
      'merchant_id',
      'code',
      'address_line',
      'municipality',
      'postal_code',
      'lat',
      'lng',
      'hours_json',
    ])
    .orderBy('id')
    .execute();
  h.update(JSON.stringify(locations));
  const products = await db
    .selectFrom('products')
    .select([
      'id',
      'merchant_id',
      'sku',
      'title_fr',
      'title_en',
      'description_fr',
      'description_en',
      'brand',
      'gtin',
      'price_cents',
      'tax_class',
      'quebec_label',
      'quebec_label_verified',
      'images_json',
    ])
    .orderBy('id')
    .execute();
  h.update(JSON.stringify(products));
  const stock = await db
    .selectFrom('inventory_levels')
    .select(['product_id', 'location_id', 'on_hand'])
    .orderBy('product_id')
    .orderBy('location_id')
    .execute();
  h.update(JSON.stringify(stock));
  return h.digest('hex');
}

/** WCAG relative luminance contrast of white text on a colour. */
function contrastOnWhite(hex: string): number {
  const ch = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5);
  return 1.05 / (l + 0.05);
}

describe('demo seed (40 merchants, 1,500 products)', () => {
  let tdb: TestDatabase;
  let result: Awaited<ReturnType<typeof seedDemo>>;
  const phases = new Set<string>();

  before(async () => {
    tdb = await createTestDatabase();
    assert.equal(await isEmpty(tdb.database), true);
    result = await seedDemo(tdb.database, {
      merchants: 40,
      products: 1500,
      seed: 7,
      onProgress: (_d, _t, phase) => phases.add(phase),
    });
  });
  after(() => tdb.cleanup());

  test('counts, region settings, six associations with accessible colours, progress phases', async () => {
    const db = tdb.database.db;
    assert.equal(result.merchants, 40);
    assert.equal(result.products, 1500);
    assert.equal(await isEmpty(tdb.database), false);
    const count = async (t: 'merchants' | 'products' | 'locations' | 'categories' | 'municipalities') =>
      Number(
        (
          await db
            .selectFrom(t)
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.equal(await count('merchants'), 40);
    assert.equal(await count('products'), 1500);
    assert.equal(await count('locations'), result.locations);
    assert.ok(result.locations >= 40 && result.locations <= 80);
    // The demo uses the default taxonomy (migration 005) and creates no category of its own.
    const slugs = (await db.selectFrom('categories').select('slug').execute()).map((c) => c.slug);
    assert.equal(slugs.length, 30);
    for (const slug of DEMO_CATEGORY_SLUGS) assert.ok(slugs.includes(slug), slug);
    assert.equal(await count('municipalities'), VOCABULARY.towns.length);

    const region = await db.selectFrom('region_settings').selectAll().executeTakeFirstOrThrow();
    assert.equal(region.name, 'Comptoir Outaouais');
    assert.ok(region.welcome_fr.length > 20 && region.welcome_en.length > 20);
    assert.deepEqual(JSON.parse(region.bounds_json), VOCABULARY.region);

    const assocs = await db.selectFrom('associations').selectAll().orderBy('slug').execute();
    assert.deepEqual(
      assocs.map((a) => a.slug),
      ['aylmer', 'chelsea', 'haute-gatineau', 'petite-nation', 'pontiac', 'vieux-hull'],
    );
    for (const a of assocs) {
      assert.ok(contrastOnWhite(a.primary_color) >= 4.5, `${a.slug} ${a.primary_color} AA with white text`);
      assert.ok(a.description_fr && a.description_en && a.center_lat && a.center_lng);
      assert.ok(JSON.parse(a.municipalities_json).length >= 1);
    }
    assert.match(assocs.find((a) => a.slug === 'aylmer')!.name, /^APICA/);
    const members = await db.selectFrom('association_members').select('merchant_id').execute();
    assert.ok(members.length >= 20, `${members.length} memberships`);
    for (const p of ['region', 'merchants', 'products', 'campaigns', 'analyze']) assert.ok(phases.has(p), p);
    const campaigns = await db.selectFrom('campaigns').select('slug').execute();
    assert.equal(campaigns.length, 7, 'a regional campaign and one per association');
  });

  test('merchants: valid NEQ, tax numbers for most, mostly approved, addresses and hours', async () => {
    const db = tdb.database.db;
    const merchants = await db.selectFrom('merchants').selectAll().execute();
    for (const m of merchants) {
      assert.match(m.neq ?? '', /^(11|22|33|88)\d{8}$/, m.display_name);
      if (m.gst_number) assert.match(m.gst_number, /^\d{9}RT0001$/);
      if (m.qst_number) assert.match(m.qst_number, /^\d{10}TQ0001$/);
      assert.ok(m.description_fr && m.description_en);
    }
    assert.equal(new Set(merchants.map((m) => m.neq)).size, merchants.length, 'NEQs are unique');
    assert.ok(merchants.filter((m) => m.gst_number).length >= merchants.length * 0.6);
    assert.ok(merchants.filter((m) => m.status === 'approved').length >= 35);
    const locations = await db.selectFrom('locations').selectAll().execute();
    const b = VOCABULARY.region;
    for (const l of locations) {
      assert.ok(
        l.lat >= b.minLat && l.lat <= b.maxLat && l.lng >= b.minLng && l.lng <= b.maxLng,
        `${l.lat},${l.lng}`,
      );
      assert.match(l.postal_code ?? '', /^J\d[A-Z] \d[A-Z]\d$/);
      assert.match(l.address_line, /^\d+, (rue|boulevard|chemin|route|avenue|promenade|montée) /);
      assert.ok(Object.keys(JSON.parse(l.hours_json)).length >= 5);
      assert.ok(l.delivery_radius_km === 0 || (l.delivery_radius_km >= 5 && l.delivery_radius_km <= 15));
      assert.ok(l.delivery_fee_cents === 0 || (l.delivery_fee_cents >= 300 && l.delivery_fee_cents <= 800));
    }
    const delivering = locations.filter((l) => l.delivery_radius_km > 0).length / locations.length;
    assert.ok(delivering > 0.15 && delivering < 0.7, `delivery share ${delivering}`);
  });

  test('products: fr and en titles with accents, labels near 30%, shared GTINs, prices, images', async () => {
    const db = tdb.database.db;
    const products = await db.selectFrom('products').selectAll().execute();
    for (const p of products) {
      assert.ok(p.title_fr.trim() && p.title_en.trim() && p.description_fr && p.description_en, String(p.id));
      assert.ok(p.price_cents > 0);
      if (p.gtin) assert.ok(isValidGtin13(p.gtin), p.gtin);
      if (p.quebec_label) assert.equal(p.quebec_label_declared_by, 'merchant');
      const img = JSON.parse(p.images_json) as { url: string; width: number }[];
      assert.match(img[0]!.url, /^\/static\/img\/cat\/[a-z-]+\.svg$/);
    }
    const accented = products.filter((p) => /[àâçéèêëîïôûùüÿœ]/i.test(p.title_fr)).length / products.length;
    assert.ok(accented > 0.2, `accented titles ${accented}`);
    assert.ok(products.some((p) => p.title_fr !== p.title_en));
    const labelled = products.filter((p) => p.quebec_label).length / products.length;
    assert.ok(labelled > 0.2 && labelled < 0.4, `Québec labels ${labelled}`);
    assert.ok(products.some((p) => p.quebec_label_verified === 1));
    assert.ok(products.some((p) => p.tax_class === 'zero_rated'));
    assert.ok(products.some((p) => p.tax_class === 'standard'));

    const shared = await db
      .selectFrom('products')
      .select(['gtin', (e) => e.fn.count<number>('merchant_id').distinct().as('merchants')])
      .where('gtin', 'is not', null)
      .groupBy('gtin')
      .having((e) => e.fn.count('merchant_id').distinct(), '>=', 2)
      .execute();
    assert.ok(shared.length >= 5, `${shared.length} GTINs sold by 2+ merchants`);
    const one = await db
      .selectFrom('products')
      .select(['title_fr', 'merchant_id'])
      .where('gtin', '=', shared[0]!.gtin)
      .execute();
    assert.equal(
      new Set(one.map((r) => r.title_fr)).size,
      1,
      'the same product has the same title everywhere',
    );

    // Each category's price stays in its range (shared products vary a little around their base price).
    const cats = await db.selectFrom('categories').select(['id', 'slug', 'name_fr']).execute();
    for (const c of cats.filter((x) => DEMO_CATEGORY_SLUGS.includes(x.slug))) {
      const range = VOCABULARY.categories[DEMO_CATEGORY_SLUGS.indexOf(c.slug)]!.price;
      for (const p of products.filter((x) => x.category_id === c.id)) {
        assert.ok(
          p.price_cents >= range[0] * 80 && p.price_cents <= range[1] * 110,
          `${c.name_fr} ${p.price_cents}`,
        );
      }
    }
  });

  test('stock: never negative, ~15% out of stock, a row per product and location', async () => {
    const db = tdb.database.db;
    const levels = await db.selectFrom('inventory_levels').select(['on_hand', 'reserved']).execute();
    assert.ok(levels.length >= 1500);
    for (const l of levels) assert.ok(l.on_hand - l.reserved >= 0 && l.on_hand <= 60);
    const zero = levels.filter((l) => l.on_hand === 0).length / levels.length;
    assert.ok(zero > 0.08 && zero < 0.25, `out of stock ${zero}`);
    const missing = await db
      .selectFrom('products as p')
      .innerJoin('locations as l', 'l.merchant_id', 'p.merchant_id')
      .leftJoin('inventory_levels as i', (j) =>
        j.onRef('i.product_id', '=', 'p.id').onRef('i.location_id', '=', 'l.id'),
      )
      .where('i.product_id', 'is', null)
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(missing.n), 0);
  });

  test('demo accounts: region admin, one admin per association, first merchant owner', async () => {
    const db = tdb.database.db;
    const roles = await db
      .selectFrom('users as u')
      .innerJoin('user_roles as r', 'r.user_id', 'u.id')
      .select(['u.email', 'u.password_hash', 'r.role', 'r.merchant_id', 'r.association_id'])
      .execute();
    const by = new Map(roles.map((r) => [r.email, r]));
    assert.equal(by.get('admin@comptoir.demo')?.role, 'region_admin');
    for (const a of ASSOCIATIONS) {
      const r = by.get(`${a.slug}@comptoir.demo`);
      assert.equal(r?.role, 'association_admin');
      const assoc = await db
        .selectFrom('associations')
        .select('slug')
        .where('id', '=', r!.association_id!)
        .executeTakeFirstOrThrow();
      assert.equal(assoc.slug, a.slug);
    }
    assert.equal(by.get('marchand@comptoir.demo')?.role, 'merchant_owner');
    assert.equal(by.get('marchand@comptoir.demo')?.merchant_id, 1);
    assert.equal(await verifyPassword(by.get('admin@comptoir.demo')!.password_hash!, DEMO_PASSWORD), true);
    assert.match(by.get('admin@comptoir.demo')!.password_hash!, /^\$argon2id\$/);
  });

  test('new rows after the seed get fresh ids; secondary indexes are rebuilt', async () => {
    const db = tdb.database.db;
    const m = await db
      .insertInto('merchants')
      .values({ slug: 'apres-le-seed', legal_name: 'Après', display_name: 'Après' })
      .returning('id')
      .executeTakeFirstOrThrow();
    assert.equal(m.id, 41);
    await db.deleteFrom('merchants').where('id', '=', m.id).execute();
    // The secondary indexes dropped for the bulk load are back.
    const names =
      tdb.database.kind === 'sqlite'
        ? (tdb.database.sqlite!.prepare(`select name from sqlite_master where type = 'index'`).all() as {
            name: string;
          }[])
        : ((
            await tdb.database.pool!.query(
              `select indexname as name from pg_indexes where schemaname = current_schema()`,
            )
          ).rows as { name: string }[]);
    for (const ix of ['products_gtin', 'products_category', 'inventory_location'])
      assert.ok(
        names.some((n) => n.name === ix),
        ix,
      );
  });
});

describe('demo seed determinism', () => {
  test('the same seed gives identical data; another seed gives other data', async () => {
    const dbs = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
    try {
      const opts = { merchants: 15, products: 400 };
      await seedDemo(dbs[0]!.database, { ...opts, seed: 42 });
      await seedDemo(dbs[1]!.database, { ...opts, seed: 42 });
      await seedDemo(dbs[2]!.database, { ...opts, seed: 43 });
      const [a, b, c] = await Promise.all(dbs.map((d) => fingerprint(d.database)));
      assert.equal(a, b);
      assert.notEqual(a, c);
    } finally {
      for (const d of dbs) await d.cleanup();
    }
  });
});

describe('comptoir seed --demo (CLI)', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase({ migrate: false });
    await tdb.database.close();
  });
  after(() => tdb.cleanup());
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...tdb.childEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });

  test('prints JSON counts and exits 0; a second seed on the same database is refused', () => {
    const r = run('seed', '--demo', '--merchants', '20', '--products', '200', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, number>;
    assert.equal(out.merchants, 20);
    assert.equal(out.products, 200);
    assert.equal(out.associations, 6);
    assert.ok(out.locations! >= 20);
    assert.ok(typeof out.seconds === 'number');

    const again = run('seed', '--demo', '--merchants', '20', '--products', '200', '--json');
    assert.notEqual(again.status, 0);
    assert.match(again.stderr + again.stdout, /already has merchants/);
  });
});
