import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOperator } from '../../src/modules/accounts/index.ts';
import { validatePromoCode } from '../../src/modules/campaigns/index.ts';
import { acceptsCard, redeemGiftCard } from '../../src/modules/giftcards/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

/**
 * Outside review, finding 1: an association admin invited another association's merchant and the
 * invitation put that merchant "in scope" (suspend it region-wide, activate the membership,
 * gift-card acceptance, promo codes, gift cards). Membership now needs the owner's acceptance and
 * every association-scope check counts active members only; a merchant's region-wide status is
 * the region admins'.
 */
describe(`association membership needs the merchant's acceptance (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  let aylmerAdmin: Agent;
  let chelseaAdmin: Agent;
  let regionAdmin: Agent;
  let sportsOwner: Agent;
  let sportsStaff: Agent;
  let erabliereOwner: Agent;
  const db = () => p.context.database.db;

  async function agentFor(userId: number, ip: string) {
    const a = new Agent(p.app, ip);
    const [name, value] = (await sessionCookie(db(), userId)).split('=');
    a.cookies.set(name, value);
    return a;
  }
  async function merchantUser(email: string, role: 'merchant_owner' | 'merchant_staff', merchantId: number) {
    const u = await db()
      .insertInto('users')
      .values({ email, password_hash: null, email_verified_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db().insertInto('user_roles').values({ user_id: u.id, role, merchant_id: merchantId }).execute();
    return u.id;
  }
  const memberStatus = async (associationId: number, merchantId: number) =>
    (
      await db()
        .selectFrom('association_members')
        .select('status')
        .where('association_id', '=', associationId)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst()
    )?.status;

  /** Everything an attack could have changed about the merchants and the association's tools. */
  async function snapshot() {
    const [merchants, members, accepting, campaigns, featured, codes, cards, ledger] = await Promise.all([
      db().selectFrom('merchants').select(['id', 'status', 'approved_at']).orderBy('id').execute(),
      db()
        .selectFrom('association_members')
        .select(['association_id', 'merchant_id', 'status', 'joined_at'])
        .orderBy('association_id')
        .orderBy('merchant_id')
        .execute(),
      db().selectFrom('gift_card_merchants').select('merchant_id').orderBy('merchant_id').execute(),
      db().selectFrom('campaigns').select('id').orderBy('id').execute(),
      db()
        .selectFrom('campaign_merchants')
        .selectAll()
        .orderBy('campaign_id')
        .orderBy('merchant_id')
        .execute(),
      db().selectFrom('promo_codes').select(['id', 'code', 'merchant_id', 'uses']).orderBy('id').execute(),
      db()
        .selectFrom('gift_cards')
        .select(['id', 'status', 'paid_balance_cents', 'bonus_balance_cents'])
        .orderBy('id')
        .execute(),
      db().selectFrom('gift_card_ledger').select(['id', 'kind']).orderBy('id').execute(),
    ]);
    return { merchants, members, accepting, campaigns, featured, codes, cards, ledger };
  }

  before(async () => {
    p = await createTestPlatform();
    r = await seedMiniRegion(db());
    const pw = 'correct horse battery staple';
    const ay = await createOperator(db(), {
      email: 'aylmer@example.org',
      password: pw,
      role: 'association_admin',
      association: 'aylmer',
    });
    const ch = await createOperator(db(), {
      email: 'chelsea@example.org',
      password: pw,
      role: 'association_admin',
      association: 'chelsea',
    });
    const rg = await createOperator(db(), {
      email: 'region@example.org',
      password: pw,
      role: 'region_admin',
    });
    aylmerAdmin = await agentFor(ay.user_id, '10.1.0.1');
    chelseaAdmin = await agentFor(ch.user_id, '10.1.0.2');
    regionAdmin = await agentFor(rg.user_id, '10.1.0.3');
    const sportsId = r.merchants.sports.merchant_id;
    sportsOwner = await agentFor(
      await merchantUser('owner@sports.example', 'merchant_owner', sportsId),
      '10.1.0.4',
    );
    sportsStaff = await agentFor(
      await merchantUser('staff@sports.example', 'merchant_staff', sportsId),
      '10.1.0.5',
    );
    erabliereOwner = await agentFor(
      await merchantUser('owner@erabliere.example', 'merchant_owner', r.merchants.erabliere.merchant_id),
      '10.1.0.6',
    );
    // Sports Chelsea takes the regional gift card (enrolled by the region), as a real target would.
    await db().insertInto('gift_card_merchants').values({ merchant_id: sportsId }).execute();
  });
  after(() => p.close());

  test('an invitation gives an association admin no power over another association’s merchant', async () => {
    const sportsId = r.merchants.sports.merchant_id;
    const inv = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/invite',
      { merchant: r.merchants.sports.slug },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(inv.statusCode, 303);
    assert.equal(await memberStatus(r.associations.aylmer, sportsId), 'invited');
    const mail = await db()
      .selectFrom('outbox')
      .select(['subject', 'text_body'])
      .where('to_address', '=', 'owner@sports.example')
      .where('kind', '=', 'association_invitation')
      .executeTakeFirstOrThrow();
    assert.match(mail.subject, /APICA — Achetez Aylmer vous invite/);
    assert.match(mail.text_body, /\/fr\/marchand\/associations/);

    // A legitimate local campaign of Aylmer (its own member), for the promo-code attacks.
    const camp = await aylmerAdmin.submit(
      '/fr/admin/associations/aylmer/campaigns',
      {
        title_fr: 'Automne à Aylmer',
        title_en: 'Fall in Aylmer',
        starts_at: '2026-01-01',
        ends_at: '2030-01-01',
      },
      '/fr/admin/associations/aylmer',
    );
    assert.equal(camp.statusCode, 303);
    const campaignUrl = String(camp.headers.location);
    const wide = await aylmerAdmin.submit(
      `${campaignUrl}/codes`,
      { code: 'AYLMER100', kind: 'percent', value: '100' },
      campaignUrl,
    );
    assert.equal(wide.statusCode, 303);

    const before = await snapshot();
    const page = await aylmerAdmin.get('/fr/admin/associations/aylmer');
    const token = csrfFrom(page.body);
    // The page offers no way to activate the invitation, only to withdraw it.
    const row = page.body.slice(page.body.indexOf(`data-member="${sportsId}"`));
    assert.match(row.slice(0, row.indexOf('</tr>')), /Invité \(en attente du commerce\)/);
    assert.doesNotMatch(row.slice(0, row.indexOf('</tr>')), /name="status"/);

    // Region-wide status: never an association admin's, whether the merchant is invited or its own.
    for (const [id, status] of [
      [sportsId, 'suspended'],
      [sportsId, 'approved'],
      [r.merchants.erabliere.merchant_id, 'suspended'],
    ] as const) {
      const res = await aylmerAdmin.post(`/fr/admin/commerces/${id}/status`, { status, _csrf: token });
      assert.equal(res.statusCode, 403, `${id} ${status}`);
    }
    // Activating (or suspending, then re-activating) the invited membership itself: 403.
    for (const status of ['active', 'suspended']) {
      const res = await aylmerAdmin.post(`/fr/admin/associations/aylmer/members/${sportsId}`, {
        status,
        _csrf: token,
      });
      assert.equal(res.statusCode, 403, status);
      assert.match(res.body, /seul son propriétaire peut l’accepter/);
    }
    // Gift-card acceptance of a merchant that is not an active member: 404.
    for (const accepts of ['0', '1']) {
      const res = await aylmerAdmin.post(`/fr/admin/associations/aylmer/giftcard/${sportsId}`, {
        accepts,
        _csrf: token,
      });
      assert.equal(res.statusCode, 404, `accepts=${accepts}`);
    }
    // Featuring it in a campaign, or a 100 % code on it: refused at the field (400).
    const feat = await aylmerAdmin.post('/fr/admin/associations/aylmer/campaigns', {
      title_fr: 'Prise de contrôle',
      title_en: 'Takeover',
      starts_at: '2026-01-01',
      ends_at: '2030-01-01',
      merchant_ids: String(sportsId),
      _csrf: token,
    });
    assert.equal(feat.statusCode, 400);
    assert.match(feat.body, /hors de l’association/);
    const code = await aylmerAdmin.post(`${campaignUrl}/codes`, {
      code: 'SPORTS100',
      kind: 'percent',
      value: '100',
      merchant_id: String(sportsId),
      _csrf: token,
    });
    assert.equal(code.statusCode, 400);
    // The association-wide code does not cover it either.
    await assert.rejects(
      validatePromoCode(db(), { code: 'AYLMER100', lines: [{ merchantId: sportsId, subtotalCents: 89900 }] }),
      (e: Error & { messageKey?: string }) => e.messageKey === 'promo.not_for_these_merchants',
    );
    // The approval list shows an association admin its active members only, without actions.
    const list = await aylmerAdmin.get('/fr/admin/commerces?status=all');
    assert.equal(list.statusCode, 200);
    assert.doesNotMatch(list.body, /Sports Chelsea/);
    assert.match(list.body, /Érablière du Lac/);
    assert.doesNotMatch(list.body, /\/status"/);
    assert.deepEqual(await snapshot(), before, 'nothing changed');

    // An unpaid card issued by Aylmer (its right) cannot buy from the invited merchant.
    const issued = await aylmerAdmin.post('/fr/admin/gift-cards?association=aylmer', {
      amount: '500',
      _csrf: token,
    });
    assert.equal(issued.statusCode, 200);
    const giftCode = /class="gift-code">([0-9A-Z-]{19})</.exec(issued.body)?.[1];
    assert.ok(giftCode);
    assert.equal(await acceptsCard(db(), { association_id: r.associations.aylmer }, sportsId), false);
    await assert.rejects(
      db()
        .transaction()
        .execute((trx) =>
          redeemGiftCard(trx, {
            code: giftCode,
            merchantId: sportsId,
            amountCents: 10000,
            orderRef: 'takeover-1',
          }),
        ),
      (e: Error & { messageKey?: string }) => e.messageKey === 'giftcard.merchant_not_participating',
    );
    const card = await db()
      .selectFrom('gift_cards')
      .select(['id', 'paid_balance_cents'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(card.paid_balance_cents, 50000);
    assert.equal(
      (await db().selectFrom('gift_card_ledger').select('id').where('card_id', '=', card.id).execute())
        .length,
      1,
      'only the issue line',
    );
    assert.equal(await memberStatus(r.associations.aylmer, sportsId), 'invited');
    assert.equal(await memberStatus(r.associations.chelsea, sportsId), 'active');
  });

  test('the owner sees the invitation in the back-office and accepts it: the membership becomes active', async () => {
    const sportsId = r.merchants.sports.merchant_id;
    const aylmer = r.associations.aylmer;
    const dash = await sportsOwner.get('/fr/marchand');
    assert.equal(dash.statusCode, 200);
    assert.match(dash.body, /Invitations d’associations en attente de votre réponse : 1/);
    const page = await sportsOwner.get('/fr/marchand/associations');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /APICA — Achetez Aylmer/);
    assert.match(page.body, new RegExp(`action="/fr/marchand/associations/${aylmer}/accepter"`));
    const token = csrfFrom(page.body);

    // Staff cannot answer, nor another merchant's owner, nor a request without the CSRF token.
    const staffPage = await sportsStaff.get('/fr/marchand/associations');
    assert.equal(staffPage.statusCode, 403);
    const staffToken = csrfFrom((await sportsStaff.get('/fr/marchand')).body);
    const staff = await sportsStaff.post(`/fr/marchand/associations/${aylmer}/accepter`, {
      _csrf: staffToken,
    });
    assert.equal(staff.statusCode, 403);
    const otherToken = csrfFrom((await erabliereOwner.get('/fr/marchand/associations')).body);
    const other = await erabliereOwner.post(`/fr/marchand/associations/${aylmer}/accepter`, {
      _csrf: otherToken,
    });
    assert.equal(other.statusCode, 404, 'Érablière is already an active member: no invitation to accept');
    const noCsrf = await sportsOwner.post(`/fr/marchand/associations/${aylmer}/accepter`, {});
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(await memberStatus(aylmer, sportsId), 'invited');
    assert.equal(await memberStatus(aylmer, r.merchants.erabliere.merchant_id), 'active');

    const ok = await sportsOwner.post(`/fr/marchand/associations/${aylmer}/accepter`, { _csrf: token });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/fr/marchand/associations?done=accept');
    assert.equal(await memberStatus(aylmer, sportsId), 'active');
    assert.match((await sportsOwner.get(String(ok.headers.location))).body, /Invitation acceptée/);
    assert.doesNotMatch(
      (await sportsOwner.get('/fr/marchand')).body,
      /Invitations d’associations en attente/,
    );
    const again = await sportsOwner.post(`/fr/marchand/associations/${aylmer}/accepter`, { _csrf: token });
    assert.equal(again.statusCode, 404);

    // Now a member by its own choice: in Aylmer's scope (the card, the showcase), still not its status.
    assert.equal(await acceptsCard(db(), { association_id: aylmer }, sportsId), true);
    const adminToken = csrfFrom((await aylmerAdmin.get('/fr/admin/associations/aylmer')).body);
    const susp = await aylmerAdmin.post(`/fr/admin/associations/aylmer/members/${sportsId}`, {
      status: 'suspended',
      _csrf: adminToken,
    });
    assert.equal(susp.statusCode, 303);
    assert.equal(await memberStatus(aylmer, sportsId), 'suspended');
    assert.equal(
      await acceptsCard(db(), { association_id: aylmer }, sportsId),
      false,
      'suspended: out of scope',
    );
    const back = await aylmerAdmin.post(`/fr/admin/associations/aylmer/members/${sportsId}`, {
      status: 'active',
      _csrf: adminToken,
    });
    assert.equal(back.statusCode, 303);
    const region = await aylmerAdmin.post(`/fr/admin/commerces/${sportsId}/status`, {
      status: 'suspended',
      _csrf: adminToken,
    });
    assert.equal(region.statusCode, 403);
    const m = await db()
      .selectFrom('merchants')
      .select('status')
      .where('id', '=', sportsId)
      .executeTakeFirstOrThrow();
    assert.equal(m.status, 'approved');
  });

  test('declining removes the invitation; the association may invite again', async () => {
    const erabliereId = r.merchants.erabliere.merchant_id;
    const chelsea = r.associations.chelsea;
    const inv = await chelseaAdmin.submit(
      '/en/admin/associations/chelsea/invite',
      { merchant: r.merchants.erabliere.slug },
      '/en/admin/associations/chelsea',
    );
    assert.equal(inv.statusCode, 303);
    assert.equal(await memberStatus(chelsea, erabliereId), 'invited');
    const page = await erabliereOwner.get('/en/merchant/associations');
    assert.match(page.body, /Commerçants de Chelsea/);
    const token = csrfFrom(page.body);
    // Sports Chelsea's owner cannot decline Érablière's invitation (it is not theirs): 404.
    const foreignToken = csrfFrom((await sportsOwner.get('/en/merchant/associations')).body);
    const foreign = await sportsOwner.post(`/en/merchant/associations/${chelsea}/decline`, {
      _csrf: foreignToken,
    });
    assert.equal(foreign.statusCode, 404);
    assert.equal(
      await memberStatus(chelsea, r.merchants.sports.merchant_id),
      'active',
      'an active membership is not declined',
    );
    const no = await erabliereOwner.post(`/en/merchant/associations/${chelsea}/decline`, { _csrf: token });
    assert.equal(no.statusCode, 303);
    assert.equal(await memberStatus(chelsea, erabliereId), undefined);
    assert.match((await erabliereOwner.get(String(no.headers.location))).body, /Invitation declined\./);
    const twice = await erabliereOwner.post(`/en/merchant/associations/${chelsea}/decline`, { _csrf: token });
    assert.equal(twice.statusCode, 404);
    const reinv = await chelseaAdmin.submit(
      '/en/admin/associations/chelsea/invite',
      { merchant: r.merchants.erabliere.slug },
      '/en/admin/associations/chelsea',
    );
    assert.equal(reinv.statusCode, 303);
    assert.equal(await memberStatus(chelsea, erabliereId), 'invited');
    // A region admin may still settle a membership (operators' own decision).
    const reg = await regionAdmin.submit(
      `/en/admin/associations/chelsea/members/${erabliereId}`,
      { status: 'active' },
      '/en/admin/associations/chelsea',
    );
    assert.equal(reg.statusCode, 303);
    assert.equal(await memberStatus(chelsea, erabliereId), 'active');
  });

  test('an association admin removes a merchant from its association only', async () => {
    const erabliereId = r.merchants.erabliere.merchant_id;
    const sportsId = r.merchants.sports.merchant_id;
    const token = csrfFrom((await chelseaAdmin.get('/fr/admin/associations/chelsea')).body);
    const before = await snapshot();
    // Through Aylmer's URL: 403; a merchant that is not a member of Chelsea: 404 (nothing changes).
    const foreign = await chelseaAdmin.post(`/fr/admin/associations/aylmer/members/${erabliereId}/remove`, {
      _csrf: token,
    });
    assert.equal(foreign.statusCode, 403);
    const unknown = await chelseaAdmin.post('/fr/admin/associations/chelsea/members/999999/remove', {
      _csrf: token,
    });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(await snapshot(), before);

    const removed = await chelseaAdmin.post(`/fr/admin/associations/chelsea/members/${erabliereId}/remove`, {
      _csrf: token,
    });
    assert.equal(removed.statusCode, 303);
    assert.equal(await memberStatus(r.associations.chelsea, erabliereId), undefined);
    assert.equal(
      await memberStatus(r.associations.aylmer, erabliereId),
      'active',
      'other association untouched',
    );
    const after = await snapshot();
    assert.deepEqual(after.merchants, before.merchants, 'region-wide status untouched');
    assert.deepEqual(after.accepting, before.accepting);
    assert.equal(await memberStatus(r.associations.chelsea, sportsId), 'active');
  });

  test('creating an association takes its towns and centre, validated, with translated errors', async () => {
    const count = async () => (await db().selectFrom('associations').select('id').execute()).length;
    const n = await count();
    const base = {
      slug: 'pontiac',
      name: 'Commerçants du Pontiac',
      short_name: 'Pontiac',
      primary_color: '#224466',
      accent_color: '#ffffff',
    };
    const badLat = await regionAdmin.submit('/fr/admin/associations', {
      ...base,
      towns: 'Shawville',
      center_lat: '95',
      center_lng: '-76.48',
    });
    assert.equal(badLat.statusCode, 400);
    assert.match(badLat.body, /La latitude est un nombre entre -90 et 90\./);
    assert.match(badLat.body, /value="Commerçants du Pontiac"/, 'typed values kept');
    const badEn = await regionAdmin.submit('/en/admin/associations', {
      ...base,
      towns: '',
      center_lat: '45.6',
      center_lng: 'west',
    });
    assert.equal(badEn.statusCode, 400);
    assert.match(badEn.body, /Longitude is a number between -180 and 180\./);
    assert.match(badEn.body, /Enter at least one municipality\./);
    const missing = await regionAdmin.submit('/fr/admin/associations', { ...base, towns: 'Shawville' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /field-error/);
    assert.equal(await count(), n, 'nothing created');

    const ok = await regionAdmin.submit('/fr/admin/associations', {
      ...base,
      towns: 'Shawville, Campbell’s Bay\nShawville',
      center_lat: '45,6047',
      center_lng: '-76.4836',
    });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/fr/admin/associations/pontiac');
    const row = await db()
      .selectFrom('associations')
      .select(['municipalities_json', 'center_lat', 'center_lng'])
      .where('slug', '=', 'pontiac')
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.municipalities_json), ['Shawville', 'Campbell’s Bay']);
    assert.equal(Number(row.center_lat), 45.6047);
    assert.equal(Number(row.center_lng), -76.4836);
    // An association admin cannot create one.
    const token = csrfFrom((await aylmerAdmin.get('/fr/admin/associations/aylmer')).body);
    const denied = await aylmerAdmin.post('/fr/admin/associations', {
      ...base,
      slug: 'autre',
      towns: 'Hull',
      center_lat: '45.4',
      center_lng: '-75.7',
      _csrf: token,
    });
    assert.equal(denied.statusCode, 403);
  });
});
