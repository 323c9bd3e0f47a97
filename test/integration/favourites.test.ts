import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../../src/modules/accounts/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

describe('favourite merchants on the customer account', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  let agent: Agent;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    const { db } = p.context.database;
    const u = await db
      .insertInto('users')
      .values({
        email: 'fan@example.org',
        password_hash: await hashPassword('une phrase de passe longue'),
        email_verified_at: new Date().toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('user_roles')
      .values({ user_id: u.id, role: 'customer', merchant_id: null, association_id: null })
      .execute();
    agent = new Agent(p.app);
    const [name, value] = (await sessionCookie(db, u.id)).split('=');
    agent.cookies.set(name, value);
  });
  after(() => p.close());

  test('a signed-in customer adds and removes a favourite; the account page lists it', async () => {
    const slug = region.merchants.erabliere.slug;
    const page = await agent.get(`/fr/m/${slug}`);
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /Ajouter à mes favoris/);
    const add = await agent.submit(`/fr/m/${slug}/favori`, { favourite: '1' }, `/fr/m/${slug}`);
    assert.equal(add.statusCode, 303);
    assert.match((await agent.get(`/fr/m/${slug}`)).body, /Retirer de mes favoris/);
    const account = await agent.get('/fr/compte');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Mes commerces favoris/);
    assert.match(account.body, /Érablière du Lac/);
    const again = await agent.submit(`/fr/m/${slug}/favori`, { favourite: '1' }, `/fr/m/${slug}`);
    assert.equal(again.statusCode, 303, 'adding twice is harmless');
    await agent.submit(`/fr/m/${slug}/favori`, { favourite: '0' }, `/fr/m/${slug}`);
    assert.doesNotMatch((await agent.get('/en/account')).body, /Érablière du Lac/);
  });

  test('anonymous visitors see no favourite button and cannot post one; a missing CSRF token is refused', async () => {
    const slug = region.merchants.erabliere.slug;
    const anon = new Agent(p.app, '10.0.0.99');
    assert.doesNotMatch((await anon.get(`/fr/m/${slug}`)).body, /favori/);
    const res = await anon.post(`/fr/m/${slug}/favori`, { favourite: '1' });
    assert.ok(res.statusCode === 403 || res.statusCode === 401, String(res.statusCode));
    const noToken = await agent.post(`/fr/m/${slug}/favori`, { favourite: '1' });
    assert.equal(noToken.statusCode, 403);
    const n = await p.context.database.db
      .selectFrom('favourite_merchants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  });
});
