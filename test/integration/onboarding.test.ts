import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom } from '../helpers/session.ts';

const PW = 'correct horse battery';

describe('merchant onboarding and approval', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  const muni: Record<string, number> = {};
  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    region = await seedMiniRegion(db);
    for (const m of [
      { name: 'Aylmer', lat: 45.3956, lng: -75.8436 },
      { name: 'Chelsea', lat: 45.4936, lng: -75.7884 },
    ]) {
      muni[m.name] = (
        await db.insertInto('municipalities').values(m).returning('id').executeTakeFirstOrThrow()
      ).id;
    }
    await createUser(db, {
      email: 'aylmer-admin@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'association_admin', association_id: region.associations.aylmer }],
    });
    await createUser(db, {
      email: 'region@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    await createUser(db, { email: 'client@example.test', password: PW, verified: true });
  });
  after(() => p.close());
  const db = () => p.context.database.db;

  const form = (over: Record<string, string | string[]> = {}) => ({
    businessName: 'Boulangerie du Ruisseau',
    neq: '1169876543',
    address: '12 rue du Ruisseau',
    municipalityId: String(muni.Aylmer),
    postalCode: 'j9h 4a1',
    associations: [String(region.associations.aylmer)],
    categories: [],
    ownerName: 'Louise',
    email: 'louise@example.test',
    password: PW,
    gstNumber: '',
    qstNumber: '',
    lat: '',
    lng: '',
    ...over,
  });

  async function confirmOwner(email: string) {
    const mail = await db()
      .selectFrom('outbox')
      .select('text_body')
      .where('to_address', '=', email)
      .where('kind', '=', 'account_confirmation')
      .executeTakeFirstOrThrow();
    const link = /(\/(fr\/inscription\/confirmer|en\/signup\/confirm)\?token=\S+)/.exec(
      mail.text_body,
    )?.[1] as string;
    const res = await new Agent(p.app).get(link);
    assert.equal(res.statusCode, 200);
  }

  test('the sign-up form exists in French and English with every field labelled', async () => {
    const fr = await new Agent(p.app).get('/fr/marchand/inscription');
    assert.equal(fr.statusCode, 200);
    for (const id of ['businessName', 'neq', 'address', 'municipalityId', 'email', 'password', 'lat', 'lng'])
      assert.match(fr.body, new RegExp(`<label for="f-${id}">`), id);
    assert.match(fr.body, /<option value="\d+">Aylmer<\/option>/);
    assert.match(fr.body, /<legend>Associations de commerçants<\/legend>/);
    const en = await new Agent(p.app).get('/en/merchant/signup');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /Register my business/);
  });

  test('invalid input is re-shown with errors next to each field', async () => {
    const a = new Agent(p.app);
    const res = await a.submit(
      '/fr/marchand/inscription',
      form({ neq: '123', associations: [], gstNumber: 'abc', lat: '45.1', email: 'x' }),
    );
    assert.equal(res.statusCode, 400);
    assert.match(
      res.body,
      /id="f-neq"[^>]*aria-invalid="true"[^>]*aria-describedby="f-neq-hint f-neq-error"/,
    );
    assert.match(res.body, /id="f-neq-error"[^>]*>NEQ invalide|id="f-neq-error"/);
    assert.match(res.body, /id="f-associations-error"/);
    assert.match(res.body, /id="f-gstNumber-error"/);
    assert.match(res.body, /value="Boulangerie du Ruisseau"/, 'entered values are kept');
    assert.doesNotMatch(res.body, new RegExp(PW), 'the password is never echoed');
    assert.equal(
      (await db().selectFrom('merchants').select('id').where('neq', '=', '123').execute()).length,
      0,
    );
  });

  test('a valid sign-up creates a pending merchant geocoded from its municipality and an owner to confirm', async () => {
    const a = new Agent(p.app);
    const res = await a.submit('/fr/marchand/inscription', form());
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.match(res.body, /Demande reçue/);
    const m = await db()
      .selectFrom('merchants')
      .selectAll()
      .where('neq', '=', '1169876543')
      .executeTakeFirstOrThrow();
    assert.equal(m.status, 'pending');
    const loc = await db()
      .selectFrom('locations')
      .selectAll()
      .where('merchant_id', '=', m.id)
      .executeTakeFirstOrThrow();
    assert.equal(loc.municipality, 'Aylmer');
    assert.equal(loc.lat, 45.3956);
    assert.equal(loc.lng, -75.8436);
    assert.equal(loc.postal_code, 'J9H 4A1');
    const role = await db()
      .selectFrom('user_roles')
      .innerJoin('users', 'users.id', 'user_roles.user_id')
      .select(['role', 'merchant_id', 'email_verified_at'])
      .where('users.email', '=', 'louise@example.test')
      .executeTakeFirstOrThrow();
    assert.equal(role.role, 'merchant_owner');
    assert.equal(role.merchant_id, m.id);
    assert.equal(role.email_verified_at, null);
    const pub = await p.app.inject({ url: `/fr/m/${m.slug}` });
    assert.equal(pub.statusCode, 404, 'a pending merchant is not public');
  });

  test('an English sign-up with a map pin uses the pin', async () => {
    const a = new Agent(p.app);
    const res = await a.submit(
      '/en/merchant/signup',
      form({
        businessName: 'Chelsea Pottery',
        neq: '2261234567',
        municipalityId: String(muni.Chelsea),
        associations: [String(region.associations.chelsea)],
        email: 'potter@example.test',
        lat: '45.5012',
        lng: '-75.8011',
        gstNumber: '123456789rt0001',
      }),
    );
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Application received/);
    const m = await db()
      .selectFrom('merchants')
      .select(['id', 'gst_number'])
      .where('neq', '=', '2261234567')
      .executeTakeFirstOrThrow();
    assert.equal(m.gst_number, '123456789RT0001');
    const loc = await db()
      .selectFrom('locations')
      .select(['lat', 'lng'])
      .where('merchant_id', '=', m.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...loc }, { lat: 45.5012, lng: -75.8011 });
    const mail = await db()
      .selectFrom('outbox')
      .select('lang')
      .where('to_address', '=', 'potter@example.test')
      .executeTakeFirstOrThrow();
    assert.equal(mail.lang, 'en');
  });

  test('an Aylmer admin sees only Aylmer merchants, read-only; a region admin approves', async () => {
    const ruisseau = await db()
      .selectFrom('merchants')
      .select('id')
      .where('neq', '=', '1169876543')
      .executeTakeFirstOrThrow();
    const pottery = await db()
      .selectFrom('merchants')
      .select('id')
      .where('neq', '=', '2261234567')
      .executeTakeFirstOrThrow();
    const admin = new Agent(p.app);
    await admin.login('aylmer-admin@example.test', PW);
    const page = await admin.get('/fr/admin/commerces');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Boulangerie du Ruisseau/);
    assert.doesNotMatch(page.body, /Chelsea Pottery/);

    // A merchant's status is region-wide: an association admin never changes it (403), even for
    // its own members.
    assert.doesNotMatch(page.body, /\/status"/, 'no approval buttons for an association admin');
    const token = csrfFrom((await admin.get('/fr/admin/associations/aylmer')).body);
    for (const [id, status] of [
      [ruisseau.id, 'approved'],
      [pottery.id, 'approved'],
      [region.merchants.sports.merchant_id, 'suspended'],
    ] as const) {
      const res = await admin.post(`/fr/admin/commerces/${id}/status`, { status, _csrf: token });
      assert.equal(res.statusCode, 403, `${id} ${status}`);
    }
    const statuses = await db()
      .selectFrom('merchants')
      .select(['id', 'status'])
      .where('id', 'in', [ruisseau.id, pottery.id, region.merchants.sports.merchant_id])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['approved', 'pending', 'pending'],
      'Sports Chelsea (approved), Boulangerie du Ruisseau and Chelsea Pottery (pending) unchanged',
    );

    const regionAdmin = new Agent(p.app);
    await regionAdmin.login('region@example.test', PW);
    // Not yet confirmed by its owner: approval waits.
    const early = await regionAdmin.submit(
      `/fr/admin/commerces/${ruisseau.id}/status`,
      { status: 'approved' },
      '/fr/admin/commerces',
    );
    assert.equal(early.statusCode, 409);
    await confirmOwner('louise@example.test');

    const ok = await regionAdmin.submit(
      `/fr/admin/commerces/${ruisseau.id}/status`,
      { status: 'approved' },
      '/fr/admin/commerces',
    );
    assert.equal(ok.statusCode, 303);
    const m = await db()
      .selectFrom('merchants')
      .select(['status', 'approved_at', 'slug'])
      .where('id', '=', ruisseau.id)
      .executeTakeFirstOrThrow();
    assert.equal(m.status, 'approved');
    assert.ok(m.approved_at);
    const mail = await db()
      .selectFrom('outbox')
      .select('subject')
      .where('to_address', '=', 'louise@example.test')
      .where('kind', '=', 'merchant_approved')
      .executeTakeFirstOrThrow();
    assert.match(mail.subject, /Boulangerie du Ruisseau est approuvé/);
    assert.equal((await p.app.inject({ url: `/fr/m/${m.slug}` })).statusCode, 200);
    // The owner can now sign in and lands in the back-office.
    const owner = new Agent(p.app);
    const login = await owner.login('louise@example.test', PW);
    assert.equal(login.headers.location, '/fr/marchand');
  });

  test('a region admin acts everywhere; customers and anonymous visitors are refused', async () => {
    const pottery = await db()
      .selectFrom('merchants')
      .select('id')
      .where('neq', '=', '2261234567')
      .executeTakeFirstOrThrow();
    const admin = new Agent(p.app);
    await admin.login('region@example.test', PW);
    const page = await admin.get('/en/admin/merchants?status=all');
    assert.match(page.body, /Chelsea Pottery/);
    assert.match(page.body, /Sports Chelsea/);
    const res = await admin.submit(
      `/en/admin/merchants/${region.merchants.sports.merchant_id}/status`,
      { status: 'suspended' },
      '/en/admin/merchants',
    );
    assert.equal(res.statusCode, 303);
    const s = await db()
      .selectFrom('merchants')
      .select('status')
      .where('id', '=', region.merchants.sports.merchant_id)
      .executeTakeFirstOrThrow();
    assert.equal(s.status, 'suspended');
    assert.equal(pottery.id > 0, true);

    const client = new Agent(p.app);
    await client.login('client@example.test', PW);
    assert.equal((await client.get('/fr/admin/commerces')).statusCode, 403);
    assert.equal((await new Agent(p.app).get('/fr/admin/commerces')).statusCode, 303);
    // A forged form without the CSRF token does nothing.
    const forged = await admin.post(`/en/admin/merchants/${pottery.id}/status`, { status: 'approved' });
    assert.equal(forged.statusCode, 403);
  });
});
