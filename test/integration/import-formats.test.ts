import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { constants, deflateRawSync } from 'node:zlib';
import { createUser } from '../../src/modules/accounts/index.ts';
import { checkZipSize } from '../../src/modules/imports/xlsx.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/imports/${name}`, import.meta.url));

/** A ZIP archive of the given entries (deflated), as a spreadsheet application writes one. */
function zip(entries: { name: string; data: Buffer; deflated?: Buffer; declaredSize?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflated ?? deflateRawSync(e.data);
    const name = Buffer.from(e.name);
    const size = e.declaredSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('import formats: Square, Lightspeed, Excel, unknown headers, category synonyms', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let auth: string;
  let merchantId: number;
  const db = () => p.context.database.db;

  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(db());
    auth = `Bearer ${region.merchants.erabliere.api_key}`;
    merchantId = region.merchants.erabliere.merchant_id;
    // A second store, named as the merchant's POS names it ("Boutique Hull").
    await db()
      .insertInto('locations')
      .values({
        merchant_id: merchantId,
        code: 'hull',
        name: 'Boutique Hull',
        address_line: '12 rue Laval',
        municipality: 'Gatineau',
        lat: 45.428,
        lng: -75.713,
      })
      .execute();
  });
  after(() => p.close());

  const put = (payload: string | Buffer, type: string, query = '', lang = 'fr') =>
    p.app.inject({
      method: 'PUT',
      url: `/api/v1/merchant/products${query}`,
      headers: { authorization: auth, 'content-type': type, 'accept-language': lang },
      payload,
    });
  const product = (sku: string) =>
    db()
      .selectFrom('products as p')
      .leftJoin('categories as c', 'c.id', 'p.category_id')
      .select([
        'p.id',
        'p.title_fr',
        'p.description_fr',
        'p.price_cents',
        'p.gtin',
        'p.brand',
        'p.tax_class',
        'p.status',
        'c.slug as category',
      ])
      .where('p.merchant_id', '=', merchantId)
      .where('p.sku', '=', sku)
      .executeTakeFirst();
  /** [sku, is a variant of another row, options] in row order. */
  const grouping = async (skus: string[]) =>
    (
      await db()
        .selectFrom('products')
        .select(['sku', 'parent_id', 'options_json'])
        .where('merchant_id', '=', merchantId)
        .where('sku', 'in', skus)
        .orderBy('id')
        .execute()
    ).map((r) => [r.sku, r.parent_id !== null, r.options_json]);
  /** Stock of a SKU per store code. */
  const stock = async (sku: string) =>
    Object.fromEntries(
      (
        await db()
          .selectFrom('inventory_levels as i')
          .innerJoin('products as p', 'p.id', 'i.product_id')
          .innerJoin('locations as l', 'l.id', 'i.location_id')
          .select(['l.code', 'i.on_hand'])
          .where('p.merchant_id', '=', merchantId)
          .where('p.sku', '=', sku)
          .execute()
      ).map((r) => [r.code, r.on_hand]),
    );
  const counts = async () => ({
    products: Number(
      (
        await db()
          .selectFrom('products')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    levels: Number(
      (
        await db()
          .selectFrom('inventory_levels')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });
  type Row = {
    row: number;
    sku: string;
    status: string;
    errors?: { code: string }[];
    warnings?: { code: string; message: string }[];
  };

  test('Square item library (Excel, dry run) then CSV: detected, mapped, stock per store by name, unknown location warned', async () => {
    const before = await counts();
    // Excel first, validation only: statuses and warnings, nothing written.
    const dry = await put(fixture('square-item-library.xlsx'), XLSX, '?dry_run=1&partial=1');
    assert.equal(dry.statusCode, 200, dry.body);
    const preview = dry.json();
    assert.equal(preview.format, 'square_xlsx');
    assert.deepEqual(await counts(), before);

    // Without partial: the variable-price gift card (no price, new SKU) stops everything.
    const all = await put(fixture('square-item-library.csv'), 'text/csv');
    assert.equal(all.statusCode, 422, all.body);
    assert.equal(all.json().applied, false);
    const bad = all.json().rows.find((r: Row) => r.sku === 'SQ-CARTE');
    assert.equal(bad.row, 6);
    assert.deepEqual(
      bad.errors.map((e: { code: string }) => e.code),
      ['price_required'],
    );
    assert.deepEqual(await counts(), before);

    const res = await put(fixture('square-item-library.csv'), 'text/csv', '?partial=1');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'square_csv');
    assert.equal(body.created, 4);
    const statuses = body.rows.map((r: Row) => [r.row, r.sku, r.status]);
    assert.deepEqual(statuses, [
      [2, 'SQ-SIROP-1L', 'created'],
      [3, 'SQ-TUQUE-GRIS', 'created'],
      [4, 'SQ-TUQUE-MARINE', 'created'],
      [5, 'SQ-BONBONS-12', 'created'],
      [6, 'SQ-CARTE', 'error'],
    ]);
    // The Excel preview said the same thing, row by row.
    assert.deepEqual(
      preview.rows.map((r: Row) => [r.row, r.sku, r.status === 'error' ? 'error' : 'created']),
      statuses,
    );
    // "Kiosque Marché du Vieux" is no store of this merchant: its stock is a warning, not an error.
    const sirop = body.rows[0] as Row;
    assert.deepEqual(
      sirop.warnings?.map((w) => w.code),
      ['unknown_location'],
    );
    assert.match(sirop.warnings?.[0].message ?? '', /Emplacement inconnu : « Kiosque Marché du Vieux »/);

    assert.deepEqual(
      { ...(await product('SQ-SIROP-1L')) },
      {
        id: (await product('SQ-SIROP-1L'))?.id,
        title_fr: 'Sirop d’érable ambré 1 L',
        description_fr: 'Sirop d’érable pur, goût riche. Récolte 2026.',
        price_cents: 2499,
        gtin: '0627843000023',
        brand: null,
        tax_class: 'zero_rated', // no Square tax applies
        status: 'active',
        category: 'epicerie',
      },
    );
    // "Erabliere du Lac" (no accent) is the store named "Érablière du Lac"; "Boutique Hull" the other.
    assert.deepEqual(await stock('SQ-SIROP-1L'), { principal: 12, hull: 4 });
    const tuque = await product('SQ-TUQUE-GRIS');
    // The variations of one Item Name are the variants of one product, Option Name/Value as options.
    assert.equal(tuque?.title_fr, 'Tuque en laine');
    assert.deepEqual(await grouping(['SQ-TUQUE-GRIS', 'SQ-TUQUE-MARINE']), [
      ['SQ-TUQUE-GRIS', false, '[{"name":"Couleur","value":"Gris"}]'],
      ['SQ-TUQUE-MARINE', true, '[{"name":"Couleur","value":"Bleu marine"}]'],
    ]);
    assert.equal(tuque?.price_cents, 3200);
    assert.equal(tuque?.tax_class, 'standard');
    assert.equal(tuque?.category, 'vetements-mode'); // "Vêtements" of the Categories list
    // "New Quantity" (typed by the merchant to import) wins over "Current Quantity".
    assert.deepEqual(await stock('SQ-TUQUE-GRIS'), { principal: 5, hull: 2 });
    // Archived in Square: imported, not on sale.
    assert.equal((await product('SQ-BONBONS-12'))?.status, 'archived');
    assert.equal(await product('SQ-CARTE'), undefined);

    // The same library as Excel changes nothing: identical mapping, stock included.
    const again = await put(fixture('square-item-library.xlsx'), XLSX, '?partial=1');
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().format, 'square_xlsx');
    assert.deepEqual(
      again.json().rows.map((r: Row) => r.status),
      ['unchanged', 'unchanged', 'unchanged', 'unchanged', 'error'],
    );
  });

  test('Lightspeed X-Series product export: prices with five decimals, HTML description, brand, outlets, inactive', async () => {
    const res = await put(fixture('lightspeed-products.csv'), 'text/csv');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'lightspeed_csv');
    assert.equal(body.created, 4);
    const beurre = await product('LS-BEURRE-250');
    assert.equal(beurre?.price_cents, 899);
    assert.equal(beurre?.brand, 'Érablière du Lac');
    assert.equal(beurre?.category, 'epicerie');
    assert.equal(beurre?.tax_class, 'zero_rated'); // "No Tax" at every outlet
    assert.doesNotMatch(beurre?.description_fr ?? '', /[<>]|&nbsp;/);
    assert.match(beurre?.description_fr ?? '', /Beurre d’érable pur/);
    // Outlet columns "inventory_Erabliere_du_Lac", "inventory_Boutique_Hull"; "Entrepot_Gatineau" is unknown.
    assert.deepEqual(await stock('LS-BEURRE-250'), { principal: 7, hull: 3 });
    const rows = body.rows as Row[];
    assert.deepEqual(
      rows[0].warnings?.map((w) => w.code),
      ['unknown_location'],
    );
    const tasse = await product('LS-TASSE-BLEU');
    assert.equal(tasse?.title_fr, 'Tasse en grès');
    assert.deepEqual(await grouping(['LS-TASSE-BLEU']), [
      ['LS-TASSE-BLEU', false, '[{"name":"Couleur","value":"Bleu"}]'],
    ]);
    assert.equal(tasse?.price_cents, 2400);
    assert.equal(tasse?.tax_class, 'standard');
    assert.equal(tasse?.category, null); // "Vaisselle" / "poterie": no such category, warned
    assert.ok(body.unknown_categories.includes('Vaisselle'));
    // track_inventory = 0: no stock written.
    assert.deepEqual(await stock('LS-SAC-TOILE'), {});
    assert.equal((await product('LS-SAC-TOILE'))?.price_cents, 1250);
    // active = 0: imported, not on sale.
    assert.equal((await product('LS-CAL-2025'))?.status, 'archived');
  });

  test('our template as Excel (French headers, numbers, rich text, formula) over the API', async () => {
    const res = await put(fixture('gabarit-fr.xlsx'), XLSX);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'template_xlsx');
    assert.deepEqual(
      body.rows.map((r: Row) => [r.row, r.sku, r.status]),
      [
        [2, 'XL-CONFITURE', 'created'],
        [3, 'XL-MIEL', 'created'],
        [4, 'XL-SAVON', 'created'],
      ],
    );
    const confiture = await product('XL-CONFITURE');
    assert.equal(confiture?.price_cents, 750);
    assert.equal(confiture?.gtin, '627843000047');
    assert.deepEqual(await stock('XL-CONFITURE'), { principal: 18 });
    assert.equal((await product('XL-MIEL'))?.title_fr, 'Miel de trèfle');
    assert.equal((await product('XL-MIEL'))?.status, 'archived'); // brouillon
    assert.equal((await product('XL-SAVON'))?.price_cents, 675);
    assert.equal((await product('XL-SAVON'))?.category, 'beaute-soins');
  });

  test('the back-office import page takes an .xlsx upload: preview, then apply', async () => {
    const owner = await createUser(db(), {
      email: 'owner-formats@example.test',
      password: 'correct horse battery',
      verified: true,
      roles: [{ role: 'merchant_owner', merchant_id: merchantId }],
    });
    const agent = new Agent(p.app);
    agent.cookies.set('session', (await sessionCookie(db(), owner.id)).split('=')[1]);
    const page = await agent.get('/fr/marchand/importation');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /accept="[^"]*\.xlsx/);
    const boundary = '----comptoirxlsx';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.body)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="items.xlsx"\r\nContent-Type: ${XLSX}\r\n\r\n`,
      ),
      fixture('square-item-library.xlsx'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    // The API test above already created these: re-importing the workbook changes nothing.
    const preview = await agent.request({
      method: 'POST',
      url: '/fr/marchand/importation/apercu',
      payload,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.match(preview.body, /data-preview="4\/1"/);
    const fileId = /name="file_id" value="([0-9a-f]{32})"/.exec(preview.body)?.[1];
    assert.ok(fileId);
    await db().updateTable('products').set({ price_cents: 1 }).where('sku', '=', 'SQ-SIROP-1L').execute();
    const applied = await agent.post('/fr/marchand/importation/appliquer', {
      _csrf: csrfFrom(preview.body),
      file_id: fileId as string,
      partial: '1',
    });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.equal((await product('SQ-SIROP-1L'))?.price_cents, 2499);
  });

  test('the OpenAPI document declares the Excel content type on the import', async () => {
    const res = await p.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const content = res.json().paths['/api/v1/merchant/products'].put.requestBody.content;
    assert.ok(content[XLSX], Object.keys(content).join(', '));
    assert.ok(content['text/csv']);
    assert.ok(content['application/json']);
  });

  test('an unrecognised header: one translated message naming the columns found, 400, nothing written', async () => {
    const before = await counts();
    const fr = await put(fixture('customers-export.csv'), 'text/csv');
    assert.equal(fr.statusCode, 400);
    assert.equal(fr.json().error.code, 'validation_failed');
    assert.equal(
      fr.json().error.message,
      'Format non reconnu. Colonnes trouvées : First Name, Last Name, Email Address, Phone, Accepts Marketing. Attendu : le gabarit Comptoir (sku, title_fr, price_cents… ou code, titre, prix…), l’export produits de Shopify, l’export de la bibliothèque d’articles de Square ou l’export produits de Lightspeed (X-Series), en CSV ou en Excel (.xlsx).',
    );
    const en = await put(fixture('customers-export.csv'), 'text/csv', '', 'en');
    assert.equal(en.statusCode, 400);
    assert.match(
      en.json().error.message,
      /^Format not recognised\. Columns found: First Name, Last Name, Email Address/,
    );
    assert.match(
      en.json().error.message,
      /Shopify product export, a Square item library export or a Lightspeed/,
    );
    // The same in a workbook.
    const wb = zip([
      {
        name: '[Content_Types].xml',
        data: Buffer.from(
          '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        ),
      },
    ]);
    const broken = await put(wb, XLSX, '', 'en');
    assert.equal(broken.statusCode, 400);
    assert.match(broken.json().error.message, /^Format not recognised\. Columns found: —\./);
    assert.deepEqual(await counts(), before);
  });

  test('Excel limits: a ZIP bomb is refused by its real uncompressed size, an oversized file with 413', async () => {
    const before = await counts();
    // 300 MB of zeros deflate to ~300 KB (one fully flushed 1 MB block repeated, then a final empty
    // block: cheap to build); the archive even declares a tiny size.
    const block = deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: constants.Z_FULL_FLUSH });
    const deflated = Buffer.concat([
      ...Array.from({ length: 300 }, () => block),
      deflateRawSync(Buffer.alloc(0)),
    ]);
    const bomb = zip([
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(0), deflated, declaredSize: 100 },
    ]);
    assert.ok(bomb.length < 2 * 1024 * 1024);
    const res = await put(bomb, XLSX);
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json().error.message, /trop volumineux une fois décompressé/);
    await assert.rejects(checkZipSize(bomb, 10 * 1024 * 1024), { code: 'xlsx_too_large' });

    const huge = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(21 * 1024 * 1024)]);
    const tooBig = await put(huge, XLSX);
    assert.equal(tooBig.statusCode, 413);
    assert.deepEqual(await counts(), before);
  });

  test('category synonyms: the region admin adds "Dépanneur" to Épicerie, imports follow; duplicates are field errors', async () => {
    const ra = await createUser(db(), {
      email: 'region-formats@example.test',
      password: 'correct horse battery',
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    const admin = new Agent(p.app);
    admin.cookies.set('session', (await sessionCookie(db(), ra.id)).split('=')[1]);
    const cat = async (slug: string) =>
      (await db().selectFrom('categories').select('id').where('slug', '=', slug).executeTakeFirstOrThrow())
        .id;
    const epicerie = await cat('epicerie');
    const chaussures = await cat('chaussures');
    const synonyms = () =>
      db()
        .selectFrom('category_aliases')
        .select(['category_id', 'label', 'folded'])
        .where('folded', 'is not', null)
        .orderBy('folded')
        .execute()
        .then((r) => r.map((x) => ({ ...x })));

    // Before: "DÉPANNEUR" is an unknown category (warning, uncategorised).
    const csv = (sku: string) => `sku,titre,prix,catégorie\n${sku},Chips au sirop,"3,49 $",DÉPANNEUR\n`;
    const first = await put(csv('DEP-1'), 'text/csv');
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(first.json().unknown_categories, ['DÉPANNEUR']);
    assert.equal((await product('DEP-1'))?.category, null);

    const editUrl = `/fr/admin/categories/${epicerie}`;
    const added = await admin.submit(`${editUrl}/synonyms`, { synonym: '  Dépanneur ' }, editUrl);
    assert.equal(added.statusCode, 303, added.body);
    assert.equal(added.headers.location, `${editUrl}?done=synonym_added#synonyms`);
    const page = await admin.get(`${editUrl}?done=synonym_added`);
    assert.match(page.body, /Synonyme ajouté\./);
    assert.match(page.body, /data-synonym="depanneur"/);
    assert.deepEqual(await synonyms(), [{ category_id: epicerie, label: 'Dépanneur', folded: 'depanneur' }]);

    // Already used elsewhere, or another category's name: field errors, nothing stored.
    const otherUrl = `/fr/admin/categories/${chaussures}`;
    const taken = await admin.submit(`${otherUrl}/synonyms`, { synonym: 'DEPANNEUR' }, otherUrl);
    assert.equal(taken.statusCode, 400);
    assert.match(taken.body, /Ce synonyme est déjà utilisé par la catégorie « Épicerie »/);
    assert.match(taken.body, /aria-invalid="true"/);
    const isName = await admin.submit(`${otherUrl}/synonyms`, { synonym: 'grocery' }, otherUrl);
    assert.equal(isName.statusCode, 400);
    assert.match(isName.body, /C’est déjà le nom ou l’identifiant de la catégorie « Épicerie »/);
    const blank = await admin.submit(`${otherUrl}/synonyms`, { synonym: ' - ' }, otherUrl);
    assert.equal(blank.statusCode, 400);
    assert.equal((await synonyms()).length, 1);

    // The import matcher uses it (case, accents, plural ignored).
    const second = await put(`${csv('DEP-2')}DEP-3,Gomme,"1,00 $",Dépanneurs\n`, 'text/csv');
    assert.equal(second.statusCode, 200, second.body);
    assert.deepEqual(second.json().unknown_categories, []);
    assert.equal((await product('DEP-2'))?.category, 'epicerie');
    assert.equal((await product('DEP-3'))?.category, 'epicerie');

    // Removed: imports no longer match it; customers and merchants cannot edit synonyms.
    const removed = await admin.submit(`${editUrl}/synonyms/remove`, { folded: 'depanneur' }, editUrl);
    assert.equal(removed.statusCode, 303);
    assert.deepEqual(await synonyms(), []);
    const anonymous = await new Agent(p.app).post(`${editUrl}/synonyms`, { synonym: 'Marché' });
    assert.notEqual(anonymous.statusCode, 303);
    assert.deepEqual(await synonyms(), []);
  });
});
