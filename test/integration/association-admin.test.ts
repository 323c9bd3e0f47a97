import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createOperator } from '../../src/modules/accounts/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

describe(`association governance and admin screens (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  let aylmerAdmin: Agent;
  let chelseaAdmin: Agent;
  let regionAdmin: Agent;
  let anonymous: Agent;

  async function agentFor(userId: number, ip: string) {
    const a = new Agent(p.app, ip);
    const [name, value] = (await sessionCookie(p.context.database.db, userId)).split('=');
    a.cookies.set(name, value);
    return a;
  }
  const memberStatus = async (associationId: number, merchantId: number) =>
    (
      await p.context.database.db
        .selectFrom('association_members')
        .select('status')
        .where('association_id', '=', associationId)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst()
    )?.status;

  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    r = await seedMiniRegion(db);
    const pw = 'correct horse battery staple';
    const ay = await createOperator(db, {
      email: 'aylmer@example.org',
      password: pw,
      role: 'association_admin',
      association: 'aylmer',
    });
    const ch = await createOperator(db, {
      email: 'chelsea@example.org',
      password: pw,
      role: 'association_admin',
      association: 'chelsea',
    });
    const rg = await createOperator(db, { email: 'region@example.org', password: pw, role: 'region_admin' });
    aylmerAdmin = await agentFor(ay.user_id, '10.0.0.1');
    chelseaAdmin = await agentFor(ch.user_id, '10.0.0.2');
    regionAdmin = await agentFor(rg.user_id, '10.0.0.3');
    anonymous = new Agent(p.app, '10.0.0.4');
  });
  after(() => p.close());

  test('every admin route needs a signed-in admin', async () => {
    for (const url of [
      '/fr/admin/associations',
      '/fr/admin/associations/aylmer',
      '/fr/admin/campaigns',
      '/fr/admin/gift-cards',
      '/fr/admin/impact',
    ]) {
      const res = await anonymous.get(url);
      // Browsers are sent to the login page; API clients get 401.
      assert.equal(res.statusCode, 303, url);
      assert.match(String(res.headers.location), /^\/fr\/connexion/);
      const api = await p.app.inject({ url, headers: { accept: 'application/json' } });
      assert.equal(api.statusCode, 401, url);
    }
  });

  test('an Aylmer admin manages Aylmer and cannot touch Chelsea’s merchants', async () => {
    const own = await aylmerAdmin.get('/fr/admin/associations/aylmer');
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /Érablière du Lac/);
    const token = csrfFrom(own.body);
    assert.equal((await aylmerAdmin.get('/fr/admin/associations/chelsea')).statusCode, 403);
    const sportsId = r.merchants.sports.merchant_id;
    // Through Chelsea's URL: forbidden. Through Aylmer's URL: not a member, 404. Nothing changes.
    const viaChelsea = await aylmerAdmin.post(`/fr/admin/associations/chelsea/members/${sportsId}`, {
      status: 'suspended',
      _csrf: token,
    });
    assert.equal(viaChelsea.statusCode, 403);
    const viaAylmer = await aylmerAdmin.post(`/fr/admin/associations/aylmer/members/${sportsId}`, {
      status: 'suspended',
      _csrf: token,
    });
    assert.equal(viaAylmer.statusCode, 404);
    const card = await aylmerAdmin.post(`/fr/admin/associations/aylmer/giftcard/${sportsId}`, {
      accepts: '1',
      _csrf: token,
    });
    assert.equal(card.statusCode, 404);
    assert.equal(await memberStatus(r.associations.chelsea, sportsId), 'active');
    const showcase = await aylmerAdmin.post('/fr/admin/associations/chelsea/showcase', {
      name: 'Piraté',
      short_name: 'Pirate',
      primary_color: '#000000',
      accent_color: '#ffffff',
      _csrf: token,
    });
    assert.equal(showcase.statusCode, 403);
    // Creating associations is the region's.
    const create = await aylmerAdmin.post('/fr/admin/associations', {
      slug: 'x',
      name: 'X',
      short_name: 'X',
      primary_color: '#000000',
      accent_color: '#ffffff',
      _csrf: token,
    });
    assert.equal(create.statusCode, 403);
  });

  test('an association admin suspends, approves, invites its members and edits its showcase', async () => {
    const id = r.merchants.erabliere.merchant_id;
    const s = await aylmerAdmin.submit(
      `/fr/admin/associations/aylmer/members/${id}`,
      { status: 'suspended' },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(s.statusCode, 303);
    assert.equal(await memberStatus(r.associations.aylmer, id), 'suspended');
    assert.ok(!(await anonymous.get('/fr/a/aylmer')).body.includes('Érablière du Lac'));
    await aylmerAdmin.submit(
      `/fr/admin/associations/aylmer/members/${id}`,
      { status: 'active' },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(await memberStatus(r.associations.aylmer, id), 'active');
    const bad = await aylmerAdmin.submit(
      `/fr/admin/associations/aylmer/members/${id}`,
      { status: 'owner' },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(bad.statusCode, 400);
    // Invite Sports Chelsea (merchants may belong to several associations).
    const inv = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/invite',
      { merchant: r.merchants.sports.slug },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(inv.statusCode, 303);
    assert.equal(await memberStatus(r.associations.aylmer, r.merchants.sports.merchant_id), 'invited');
    assert.equal(await memberStatus(r.associations.chelsea, r.merchants.sports.merchant_id), 'active');
    const again = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/invite',
      { merchant: r.merchants.sports.slug },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /déjà membre/);
    const edit = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/showcase',
      {
        name: 'APICA — Achetez Aylmer',
        short_name: 'Aylmer',
        description_fr: 'Nouvelle présentation.',
        description_en: 'New intro.',
        primary_color: '#114477',
        accent_color: '#ffffff',
        logo_url: '/static/img/logo.svg',
        website: 'https://apica.example',
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(edit.statusCode, 303);
    const page = await anonymous.get('/fr/a/aylmer');
    assert.match(page.body, /Nouvelle présentation\./);
    assert.match(page.body, /#114477/);
    const badColour = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/showcase',
      {
        name: 'APICA',
        short_name: 'Aylmer',
        primary_color: 'red;background:url(x)',
        accent_color: '#ffffff',
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(badColour.statusCode, 400);
    assert.match(page.body, /<img src="\/static\/img\/logo.svg" alt="Logo d’APICA/);
    const foreignLogo = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/showcase',
      {
        name: 'APICA',
        short_name: 'Aylmer',
        primary_color: '#114477',
        accent_color: '#ffffff',
        logo_url: 'https://evil.example/x.png',
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(foreignLogo.statusCode, 400);
    assert.match(foreignLogo.body, /chemin commençant par \//);
  });

  test('the region admin acts everywhere', async () => {
    const res = await regionAdmin.submit(
      `/en/admin/associations/chelsea/members/${r.merchants.sports.merchant_id}`,
      { status: 'suspended' },
      '/en/admin/associations/chelsea',
    );
    assert.equal(res.statusCode, 303);
    assert.equal(await memberStatus(r.associations.chelsea, r.merchants.sports.merchant_id), 'suspended');
    await regionAdmin.submit(
      `/en/admin/associations/chelsea/members/${r.merchants.sports.merchant_id}`,
      { status: 'active' },
      '/en/admin/associations/chelsea',
    );
    const created = await regionAdmin.submit('/en/admin/associations', {
      slug: 'pontiac',
      name: 'Commerçants du Pontiac',
      short_name: 'Pontiac',
      towns: 'Shawville, Fort-Coulonge',
      center_lat: '45.6047',
      center_lng: '-76.4836',
      primary_color: '#224466',
      accent_color: '#ffffff',
    });
    assert.equal(created.statusCode, 303);
    assert.equal(created.headers.location, '/en/admin/associations/pontiac');
    assert.equal((await anonymous.get('/en/a/pontiac')).statusCode, 200);
  });

  test('campaigns: an association creates its own, adds promo codes; other associations cannot see them', async () => {
    const res = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/campaigns',
      {
        title_fr: 'Noël à Aylmer',
        title_en: 'Christmas in Aylmer',
        body_fr: 'Offrez local.',
        body_en: 'Give local.',
        starts_at: '2026-11-01',
        ends_at: '2027-01-06',
        merchant_ids: String(r.merchants.erabliere.merchant_id),
        product_ids: `${r.products.sirop}`,
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(res.statusCode, 303);
    const url = String(res.headers.location);
    assert.match(url, /^\/fr\/admin\/campaigns\/\d+$/);
    const detail = await aylmerAdmin.get(url);
    assert.equal(detail.statusCode, 200);
    assert.match(detail.body, /data-figure="visits">0</);
    assert.equal((await chelseaAdmin.get(url)).statusCode, 403);
    const code = await aylmerAdmin.submit(
      `${url}/codes`,
      { code: 'noel10', kind: 'percent', value: '10', max_uses: '100' },
      url,
    );
    assert.equal(code.statusCode, 303);
    const dup = await aylmerAdmin.submit(`${url}/codes`, { code: 'NOEL10', kind: 'amount', value: '5' }, url);
    assert.equal(dup.statusCode, 400);
    assert.match(dup.body, /existe déjà/);
    const neg = await aylmerAdmin.submit(`${url}/codes`, { code: 'NEG', kind: 'amount', value: '-5' }, url);
    assert.equal(neg.statusCode, 400);
    const chelseaTry = await chelseaAdmin.submit(
      `${url}/codes`,
      { code: 'HACK', kind: 'percent', value: '90' },
      '/fr/admin/associations/chelsea',
    );
    assert.equal(chelseaTry.statusCode, 403);
    // A featured merchant from another association is refused.
    const wrong = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/campaigns',
      {
        title_fr: 'Mauvaise',
        title_en: 'Wrong',
        starts_at: '2026-11-01',
        ends_at: '2026-12-01',
        product_ids: String(r.products.velo),
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(wrong.statusCode, 400);
    // Regional campaigns are the region admins'.
    const regional = await aylmerAdmin.submit(
      '/fr/admin/campaigns',
      {
        title_fr: 'Régionale',
        title_en: 'Regional',
        starts_at: '2026-11-01',
        ends_at: '2026-12-01',
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(regional.statusCode, 403);
    const ok = await regionAdmin.submit('/fr/admin/campaigns', {
      title_fr: 'Achat local Outaouais',
      title_en: 'Buy local Outaouais',
      starts_at: '2026-11-01',
      ends_at: '2027-12-01',
    });
    assert.equal(ok.statusCode, 303);
    const list = await chelseaAdmin.get('/fr/admin/campaigns');
    assert.ok(!list.body.includes('Noël à Aylmer'));
  });

  test('gift cards: association admin issues and activates its cards only; settlement CSV', async () => {
    const issued = await aylmerAdmin.submit(
      '/fr/admin/gift-cards?association=aylmer',
      { amount: '50', bonus_percent: '20', bonus_expires_at: '2027-06-30', sponsor: 'Caisse Desjardins' },
      '/fr/admin/gift-cards?association=aylmer',
    );
    assert.equal(issued.statusCode, 200);
    assert.match(issued.body, /class="gift-code">[0-9A-Z-]{19}</);
    const negative = await aylmerAdmin.submit(
      '/fr/admin/gift-cards?association=aylmer',
      { amount: '-50' },
      '/fr/admin/gift-cards?association=aylmer',
    );
    assert.equal(negative.statusCode, 400);
    const regionalCard = await aylmerAdmin.submit(
      '/fr/admin/gift-cards',
      { amount: '50' },
      '/fr/admin/gift-cards?association=aylmer',
    );
    assert.equal(
      regionalCard.statusCode,
      200,
      'without ?association= an association admin works in its own association',
    );
    assert.equal((await chelseaAdmin.get('/fr/admin/gift-cards?association=aylmer')).statusCode, 403);
    // A card reserved online is activated by its association, not by another one.
    const buyer = new Agent(p.app, '10.0.0.9');
    await buyer.submit(
      '/fr/cartes-cadeaux/achat',
      { amount: '25', name: 'Léa', email: 'lea@example.org', association: 'aylmer' },
      '/fr/cartes-cadeaux',
    );
    const pending = await p.context.database.db
      .selectFrom('gift_cards')
      .select('id')
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    const chelseaActivate = await chelseaAdmin.submit(
      `/fr/admin/gift-cards/${pending.id}/activate`,
      {},
      '/fr/admin/gift-cards',
    );
    assert.equal(chelseaActivate.statusCode, 404);
    const ok = await aylmerAdmin.submit(
      `/fr/admin/gift-cards/${pending.id}/activate?association=aylmer`,
      {},
      '/fr/admin/gift-cards?association=aylmer',
    );
    assert.equal(ok.statusCode, 303);
    const row = await p.context.database.db
      .selectFrom('gift_cards')
      .select('status')
      .where('id', '=', pending.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'active');
    const csv = await regionAdmin.get('/fr/admin/gift-cards?format=csv');
    assert.equal(csv.statusCode, 200);
    assert.deepEqual(
      Object.keys(
        (parse(csv.body, { columns: true }) as object[])[0] ?? {
          merchant_slug: 1,
          merchant: 1,
          redemptions: 1,
          paid_cents: 1,
          bonus_cents: 1,
          total_cents: 1,
        },
      ),
      ['merchant_slug', 'merchant', 'redemptions', 'paid_cents', 'bonus_cents', 'total_cents'],
    );
  });

  test('impact dashboard: scoped per association, SVG chart, CSV', async () => {
    const own = await aylmerAdmin.get('/fr/admin/impact');
    assert.equal(own.statusCode, 200);
    assert.match(own.body, /Impact local — APICA/);
    assert.match(own.body, /<svg[^>]*role="img"/);
    assert.equal((await aylmerAdmin.get('/fr/admin/impact?association=chelsea')).statusCode, 403);
    const region = await regionAdmin.get('/en/admin/impact?from=2026-01-01&to=2027-01-01');
    assert.equal(region.statusCode, 200);
    assert.match(region.body, /Whole region/);
    const csv = await regionAdmin.get('/en/admin/impact?from=2026-01-01&to=2027-01-01&format=csv');
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    assert.equal(rows.find((x) => x.section === 'total')?.orders, '0');
  });
});
