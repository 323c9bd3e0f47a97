import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { campaignVisits, createCampaign } from '../../src/modules/campaigns/index.ts';
import { setParticipation } from '../../src/modules/giftcards/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const day = 86400_000;

describe(`association showcase, widget, campaigns and gift card pages (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  let campaignSlug: string;
  before(async () => {
    p = await createTestPlatform();
    const db = p.context.database.db;
    r = await seedMiniRegion(db);
    await db
      .updateTable('associations')
      .set({ description_fr: 'Les commerçants d’Aylmer.', description_en: 'Aylmer merchants.' })
      .where('id', '=', r.associations.aylmer)
      .execute();
    const c = await createCampaign(db, {
      association_id: r.associations.aylmer,
      title_fr: 'Achetez Aylmer',
      title_en: 'Buy Aylmer',
      body_fr: 'Cet automne, on achète à Aylmer.',
      body_en: 'This fall, buy in Aylmer.',
      starts_at: new Date(Date.now() - day).toISOString(),
      ends_at: new Date(Date.now() + 30 * day).toISOString(),
      merchant_ids: [r.merchants.erabliere.merchant_id],
      product_ids: [r.products.sirop],
    });
    campaignSlug = c.slug;
    await createCampaign(db, {
      association_id: r.associations.chelsea,
      title_fr: 'Chelsea en fête',
      title_en: 'Chelsea celebrates',
      starts_at: new Date(Date.now() - day).toISOString(),
      ends_at: new Date(Date.now() + 30 * day).toISOString(),
    });
    await createCampaign(db, {
      title_fr: 'Campagne terminée',
      title_en: 'Ended campaign',
      starts_at: new Date(Date.now() - 30 * day).toISOString(),
      ends_at: new Date(Date.now() - day).toISOString(),
    });
    await setParticipation(db, r.merchants.erabliere.merchant_id, true);
  });
  after(() => p.close());

  test('showcase: identity, colours, members and map, products, own campaign only, search scope, widget snippet', async () => {
    const res = await p.app.inject({ url: '/fr/a/aylmer', headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 200);
    const b = res.body;
    assert.match(b, /<h1[^>]*>APICA — Achetez Aylmer<\/h1>/);
    assert.match(b, /#0b5e3c/);
    assert.match(b, /Les commerçants d’Aylmer\./);
    assert.match(b, /Érablière du Lac/);
    assert.ok(!b.includes('Sports Chelsea'), 'no other association’s members');
    assert.match(b, /data-markers="\[\{&quot;lat&quot;:45\.3956/);
    assert.match(b, /Sirop d’érable ambré 540 ml/);
    assert.match(b, /Achetez Aylmer/);
    assert.ok(!b.includes('Chelsea en fête'), 'no other association’s campaign');
    assert.ok(!b.includes('Campagne terminée'), 'no ended campaign');
    assert.match(b, /href="\/fr\/recherche\?association=aylmer"/);
    assert.match(b, /&lt;iframe src=&quot;http:\/\/localhost(:\d+)?\/embed\/a\/aylmer\?lang=fr&quot;/);
    const en = await p.app.inject({ url: '/en/a/aylmer' });
    assert.match(en.body, /Aylmer merchants\./);
    assert.match(en.body, /Buy Aylmer/);
    assert.equal(
      (await p.app.inject({ url: '/fr/a/nowhere', headers: { accept: 'text/html' } })).statusCode,
      404,
    );
  });

  test('a merchant suspended from the association leaves its showcase', async () => {
    const db = p.context.database.db;
    await db
      .updateTable('association_members')
      .set({ status: 'suspended' })
      .where('merchant_id', '=', r.merchants.erabliere.merchant_id)
      .execute();
    const res = await p.app.inject({ url: '/fr/a/aylmer' });
    assert.ok(!res.body.includes('Érablière du Lac'));
    await db
      .updateTable('association_members')
      .set({ status: 'active' })
      .where('merchant_id', '=', r.merchants.erabliere.merchant_id)
      .execute();
  });

  test('embed widget may be framed from any origin; the rest of the site may not', async () => {
    const res = await p.app.inject({ url: '/embed/a/aylmer?lang=en' });
    assert.equal(res.statusCode, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors \*/);
    assert.ok(!/frame-ancestors 'self'/.test(csp));
    assert.equal(res.headers['x-frame-options'], undefined);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.match(res.body, /Érablière du Lac/);
    assert.match(res.body, /Member businesses/);
    assert.ok(!res.body.includes('<script'));
    const showcase = await p.app.inject({ url: '/fr/a/aylmer' });
    assert.match(String(showcase.headers['content-security-policy']), /frame-ancestors 'self'/);
  });

  test('home page shows the active campaigns; landing page counts visits', async () => {
    const home = await p.app.inject({ url: '/fr' });
    assert.match(home.body, /class="campaign-banner"[^>]*>[\s\S]*?<h2[^>]*>Achetez Aylmer<\/h2>/);
    assert.match(home.body, /Chelsea en fête/);
    assert.ok(!home.body.includes('Campagne terminée'));
    assert.match(home.body, new RegExp(`href="/fr/campagnes/${campaignSlug}"`));
    const before = await campaignVisits(p.context.database.db, 1);
    const res = await p.app.inject({ url: `/fr/campagnes/${campaignSlug}` });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Cet automne, on achète à Aylmer\./);
    assert.match(res.body, /Commerces en vedette/);
    assert.match(res.body, /Sirop d’érable ambré 540 ml/);
    await p.app.inject({ url: `/en/campaigns/${campaignSlug}` });
    assert.equal(await campaignVisits(p.context.database.db, 1), before + 2);
    const list = await p.app.inject({ url: '/en/campaigns' });
    assert.match(list.body, /Buy Aylmer/);
    assert.match(list.body, /Chelsea celebrates/);
    assert.ok(!list.body.includes('Ended campaign'));
  });

  test('gift card: terms, purchase (pending, code shown once and mailed), balance with ledger', async () => {
    const agent = new Agent(p.app, '198.51.100.1');
    const page = await agent.get('/fr/cartes-cadeaux?association=aylmer');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /n’expire jamais/);
    assert.match(page.body, /Aucuns frais/);
    assert.match(page.body, /Érablière du Lac/);
    const bad = await agent.submit(
      '/fr/cartes-cadeaux/achat',
      {
        amount: 'custom',
        custom_amount: '-20',
        name: 'Léa',
        email: 'lea@example.org',
        association: 'aylmer',
      },
      '/fr/cartes-cadeaux',
    );
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /role="alert"/);
    const ok = await agent.submit(
      '/fr/cartes-cadeaux/achat',
      { amount: 'custom', custom_amount: '40', name: 'Léa', email: 'lea@example.org', association: 'aylmer' },
      '/fr/cartes-cadeaux',
    );
    assert.equal(ok.statusCode, 201);
    const code = /class="gift-code"[^>]*>([0-9A-Z-]{19})</.exec(ok.body)?.[1];
    assert.ok(code, 'code shown');
    const mail = await p.context.database.db
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', 'lea@example.org')
      .execute();
    assert.equal(mail.length, 1);
    assert.ok(mail[0].text_body.includes(code), 'the code is mailed to the buyer');
    const stored = await p.context.database.db
      .selectFrom('gift_cards')
      .selectAll()
      .where('buyer_email', '=', 'lea@example.org')
      .executeTakeFirstOrThrow();
    assert.equal(stored.status, 'pending');
    assert.equal(stored.paid_cents, 4000);
    assert.equal(stored.association_id, r.associations.aylmer);
    const bal = await agent.submit(
      '/fr/cartes-cadeaux/solde',
      { code: code.toLowerCase() },
      '/fr/cartes-cadeaux',
    );
    assert.equal(bal.statusCode, 200);
    assert.match(bal.body, /40,00\u00a0\$/);
    assert.match(bal.body, /n’est pas encore activée/);
    assert.match(bal.body, new RegExp(`se terminant par ${code.replace(/-/g, '').slice(-4)}`));
    const reload = await agent.get('/en/gift-cards/solde');
    assert.equal(reload.statusCode, 303);
    assert.equal(reload.headers.location, '/en/gift-cards');
    const none = await agent.submit(
      '/fr/cartes-cadeaux/solde',
      { code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' },
      '/fr/cartes-cadeaux',
    );
    assert.equal(none.statusCode, 404);
    assert.match(none.body, /Carte-cadeau inconnue/);
  });

  test('brute force on the balance form: locked out after 10 wrong codes, attempts logged', async () => {
    const agent = new Agent(p.app, '203.0.113.9');
    const page = await agent.get('/en/gift-cards');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await agent.post('/en/gift-cards/balance', {
        code: `AAAA-BBBB-CCCC-${1000 + i}`,
        _csrf: token,
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(404));
    assert.deepEqual(statuses.slice(10), [429, 429]);
    const logged = await p.context.database.db
      .selectFrom('gift_card_attempts')
      .selectAll()
      .where('ip', '=', '203.0.113.9')
      .execute();
    assert.equal(logged.length, 10);
  });
});
