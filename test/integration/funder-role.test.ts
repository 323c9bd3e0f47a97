import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import * as migration070 from '../../src/db/migrations/070_funder_role.ts';
import { createOperator, createUserWithHash, hashPassword } from '../../src/modules/accounts/index.ts';
import { createTestDatabase, databaseDigest, TEST_DB_KIND } from '../helpers/db.ts';
import { placeOrder } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const PW = 'correct horse battery staple';

describe(`migration 070: the funder role (${TEST_DB_KIND})`, () => {
  test('down then up keeps every other role; the checks accept a funder only after up', async () => {
    const t = await createTestDatabase();
    try {
      const db = t.database.db;
      const r = await seedMiniRegion(db);
      const passwordHash = await hashPassword(PW);
      const user = (email: string) =>
        createUserWithHash(db, { email, passwordHash, verifiedAt: new Date().toISOString(), roles: [] });
      const admin = await user('admin@example.org');
      const funder = await user('funder@example.org');
      await db
        .insertInto('user_roles')
        .values([
          { user_id: admin, role: 'region_admin' },
          { user_id: admin, role: 'association_admin', association_id: r.associations.aylmer },
          { user_id: funder, role: 'funder' },
        ])
        .execute();
      const rolesOf = async (id: number) =>
        (
          await db
            .selectFrom('user_roles')
            .select(['role', 'association_id'])
            .where('user_id', '=', id)
            .orderBy('role')
            .execute()
        ).map((x) => `${x.role}:${x.association_id ?? ''}`);
      const before = await rolesOf(admin);

      await migration070.down(db as never);
      assert.deepEqual(await rolesOf(admin), before, 'other roles kept');
      assert.deepEqual(await rolesOf(funder), [], 'funder roles removed by down');
      await assert.rejects(db.insertInto('user_roles').values({ user_id: funder, role: 'funder' }).execute());

      await migration070.up(db as never);
      assert.deepEqual(await rolesOf(admin), before);
      await db.insertInto('user_roles').values({ user_id: funder, role: 'funder' }).execute();
      assert.deepEqual(await rolesOf(funder), ['funder:']);
      // The old rules still hold: an association admin needs its association, no unknown role.
      await assert.rejects(
        db.insertInto('user_roles').values({ user_id: funder, role: 'association_admin' }).execute(),
      );
      await assert.rejects(
        db
          .insertInto('user_roles')
          .values({ user_id: funder, role: 'sponsor' as never })
          .execute(),
      );
      // The cascade from users still works.
      await db.deleteFrom('users').where('id', '=', funder).execute();
      assert.deepEqual(await rolesOf(funder), []);
      if (t.database.kind === 'sqlite') {
        const ix = t.database
          .sqlite!.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'user_roles'")
          .all()
          .map((x) => (x as { name: string }).name);
        assert.deepEqual(ix, ['user_roles_user']);
        assert.equal(
          (t.database.sqlite!.prepare('pragma foreign_keys').get() as { foreign_keys: number }).foreign_keys,
          1,
        );
      }
    } finally {
      await t.cleanup();
    }
  });
});

describe(`funders: invited by an operator, read the home and the impact report, nothing else (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  let regionAdmin: Agent;
  let funder: Agent;
  let funderId: number;
  const db = () => p.context.database.db;
  const ids: Record<string, string> = {};

  async function agentFor(userId: number, ip: string) {
    const a = new Agent(p.app, ip);
    const [name, value] = (await sessionCookie(db(), userId)).split('=');
    a.cookies.set(name as string, value as string);
    return a;
  }
  const hrefs = (body: string) =>
    [...body.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&'));
  const lastMail = (to: string) =>
    db()
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', to)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
  const linkIn = (text: string) => {
    const m = /(https?:\/\/\S+\/(fr|en)\/invitation\?token=[A-Za-z0-9_-]{43})/.exec(text);
    assert.ok(m, `an absolute invitation link in: ${text}`);
    return new URL(m[1] as string);
  };
  const rolesOf = async (userId: number) =>
    (await db().selectFrom('user_roles').select('role').where('user_id', '=', userId).execute()).map(
      (x) => x.role,
    );

  before(async () => {
    p = await createTestPlatform();
    r = await seedMiniRegion(db());
    const rg = await createOperator(db(), {
      email: 'region@example.org',
      password: PW,
      role: 'region_admin',
    });
    regionAdmin = await agentFor(rg.user_id, '10.3.0.1');
    const f = await createOperator(db(), { email: 'bailleur@example.org', password: PW, role: 'funder' });
    funderId = f.user_id;
    funder = await agentFor(funderId, '10.3.0.2');
    const A = r.merchants.erabliere;
    const order = await placeOrder(p.app, [[r.products.oeufs, 1]], A, {
      customer: { name: 'Client', email: 'client@example.org' },
      extra: { payment: { method: 'in_store' } },
    });
    ids.order = String(order.orders[0].order_id);
    ids.product = String(r.products.sirop);
    ids.location = String(A.location_id);
    ids.merchant = String(A.merchant_id);
  });
  after(() => p.close());

  test('the admin home shows a funder the impact report only, in both languages', async () => {
    const fr = await funder.get('/fr/admin');
    assert.equal(fr.statusCode, 200);
    assert.match(String(fr.headers['cache-control']), /no-store/);
    assert.match(fr.body, /Votre accès de bailleur de fonds/);
    assert.deepEqual(
      [...fr.body.matchAll(/data-group="(\w+)"/g)].map((m) => m[1]),
      ['impact'],
    );
    const adminLinks = hrefs(fr.body).filter((h) => h.startsWith('/fr/admin/'));
    assert.deepEqual(adminLinks, ['/fr/admin/impact']);
    assert.doesNotMatch(fr.body, /data-pending/);
    const en = await funder.get('/en/admin');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /Your funder access/);
    assert.deepEqual(
      hrefs(en.body).filter((h) => h.startsWith('/en/admin/')),
      ['/en/admin/impact'],
    );
    // The account page leads to the console, not to the merchants' admin list.
    const account = await funder.get('/fr/compte');
    assert.ok(hrefs(account.body).includes('/fr/admin'));
    assert.ok(!hrefs(account.body).includes('/fr/admin/commerces'));
  });

  test('a funder reads the impact report of the region and of each association: page, print, CSV, PDF', async () => {
    const page = await funder.get('/fr/admin/impact?period=since_launch');
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /<select id="i-scope" name="association">/, 'the region and every association');
    const print = await funder.get('/en/admin/impact?period=this_month&view=print');
    assert.equal(print.statusCode, 200);
    assert.match(print.body, /impact-print/);
    const csv = await funder.get('/en/admin/impact?period=this_month&format=csv');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const pdf = await funder.get('/fr/admin/impact?period=this_month&format=pdf');
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    const aylmer = await funder.get('/fr/admin/impact?association=aylmer');
    assert.equal(aylmer.statusCode, 200);
    assert.equal((await funder.get('/fr/admin/impact?association=nulle-part')).statusCode, 404);
  });

  /** Route parameters filled with real ids (a 403 must not be a 404 in disguise). */
  const fill = (url: string) =>
    url
      .replace(':lang', 'fr')
      .replace(/\*$/, 'x')
      .replace(/:(\w+)/g, (_m, name: string) => {
        if (name === 'slug') return 'aylmer';
        if (name === 'merchantId' || name === 'merchant') return ids.merchant as string;
        if (/commandes|orders/.test(url)) return ids.order as string;
        if (/magasins|locations/.test(url)) return ids.location as string;
        if (/produits|products/.test(url)) return ids.product as string;
        if (/commerces|merchants/.test(url)) return ids.merchant as string;
        return '1';
      });

  test('every other admin route answers 403 to a funder, and a refused write changes nothing', async () => {
    const table = (p.app as unknown as { routeTable: { method: string; url: string }[] }).routeTable;
    const admin = table.filter((x) => /^\/(:lang|fr|en)\/admin(\/|$)/.test(x.url));
    assert.ok(admin.length >= 20, `admin routes found: ${admin.length}`);
    const readable = new Set([
      'GET /fr/admin',
      'GET /en/admin',
      'GET /fr/admin/impact',
      'GET /en/admin/impact',
    ]);
    const refused = admin.filter((x) => !readable.has(`${x.method} ${x.url}`));
    assert.equal(
      admin.length - refused.length,
      readable.size,
      'the home and the impact report are registered',
    );
    assert.ok(refused.filter((x) => x.method === 'POST').length >= 10, 'admin writes found');
    const token = csrfFrom((await funder.get('/fr/connexion')).body);
    for (const route of refused) {
      const url = fill(route.url);
      const write = route.method !== 'GET' && route.method !== 'DELETE';
      const before = write ? await databaseDigest(db()) : undefined;
      const res: LightMyRequestResponse = write
        ? await funder.request({
            method: route.method as never,
            url,
            payload: new URLSearchParams({
              _csrf: token,
              email: 'intrus@example.org',
              role: 'region_admin',
              name: 'x',
              status: 'suspended',
            }).toString(),
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          })
        : await funder.get(url);
      assert.equal(
        res.statusCode,
        403,
        `${route.method} ${url} → ${res.statusCode} ${res.body.slice(0, 200)}`,
      );
      if (before !== undefined)
        assert.equal(await databaseDigest(db()), before, `${route.method} ${url} changed data`);
    }
  });

  test('an operator invites a funder; the email link sets a password and opens the console', async () => {
    const form = await regionAdmin.get('/fr/admin/operateurs');
    assert.match(form.body, /<option value="funder"[^>]*>Bailleur de fonds/);
    const sent = await regionAdmin.submit('/fr/admin/operateurs', {
      email: 'Fondation@Example.org',
      role: 'funder',
      association_id: '',
    });
    assert.equal(sent.statusCode, 200, sent.body.slice(0, 500));
    assert.match(sent.body, /Invitation envoyée à fondation@example\.org/);
    const inv = await db()
      .selectFrom('account_invitations')
      .selectAll()
      .where('email', '=', 'fondation@example.org')
      .executeTakeFirstOrThrow();
    assert.equal(inv.role, 'funder');
    assert.equal(inv.association_id, null);
    assert.match(sent.body, new RegExp(`data-invitation="${inv.id}"[\\s\\S]*?Bailleur de fonds`));
    const mail = await lastMail('fondation@example.org');
    assert.equal(mail.kind, 'operator_invitation');
    assert.match(mail.text_body, /consulter le rapport d’impact de la région/);
    const link = linkIn(mail.text_body);

    const invitee = new Agent(p.app, '10.3.0.9');
    const page = await invitee.get(`${link.pathname}${link.search}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /consulter le rapport d’impact de la région/);
    const done = await invitee.post('/fr/invitation', {
      _csrf: csrfFrom(page.body),
      token: link.searchParams.get('token') as string,
      name: 'Fondation',
      password: PW,
      confirm: PW,
    });
    assert.equal(done.statusCode, 200, done.body.slice(0, 500));
    assert.ok(hrefs(done.body).includes('/fr/admin'));
    const user = await db()
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'fondation@example.org')
      .executeTakeFirstOrThrow();
    assert.deepEqual(await rolesOf(user.id), ['funder']);
    assert.equal((await invitee.get('/fr/admin')).statusCode, 200);
    assert.equal((await invitee.get('/fr/admin/impact')).statusCode, 200);
    assert.equal((await invitee.get('/fr/admin/commerces')).statusCode, 403);

    // Signing in again lands on the console.
    const again = new Agent(p.app, '10.3.0.10');
    const login = await again.submit('/fr/connexion', { email: 'fondation@example.org', password: PW });
    assert.equal(login.statusCode, 303);
    assert.equal(login.headers.location, '/fr/admin');

    // The operator removes the funder: the role goes and every session ends.
    const list = await regionAdmin.get('/fr/admin/operateurs');
    assert.match(list.body, new RegExp(`data-operator="${user.id}"[\\s\\S]*?Bailleur de fonds`));
    const revoked = await regionAdmin.post(`/fr/admin/operateurs/${user.id}/revoke`, {
      _csrf: csrfFrom(list.body),
    });
    assert.equal(revoked.statusCode, 200);
    assert.deepEqual(await rolesOf(user.id), []);
    assert.equal(
      (await db().selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).length,
      0,
    );
    assert.equal((await invitee.get('/fr/admin/impact')).statusCode, 303, 'signed out');
  });

  test('an English invitation, withdrawn before use, stops working', async () => {
    const sent = await regionAdmin.submit('/en/admin/operators', {
      email: 'fund@example.org',
      role: 'funder',
    });
    assert.equal(sent.statusCode, 200);
    const mail = await lastMail('fund@example.org');
    assert.match(mail.text_body, /read the impact report of the /);
    const inv = await db()
      .selectFrom('account_invitations')
      .select('id')
      .where('email', '=', 'fund@example.org')
      .executeTakeFirstOrThrow();
    const w = await regionAdmin.post(`/en/admin/operators/invitations/${inv.id}/withdraw`, {
      _csrf: csrfFrom(sent.body),
    });
    assert.equal(w.statusCode, 200);
    const link = linkIn(mail.text_body);
    assert.equal((await new Agent(p.app, '10.3.0.11').get(`${link.pathname}${link.search}`)).statusCode, 400);
  });

  test('a funder cannot invite or remove anyone', async () => {
    const invitations = await db().selectFrom('account_invitations').select('id').execute();
    const token = csrfFrom((await funder.get('/fr/compte')).body);
    const res = await funder.post('/fr/admin/operateurs', {
      _csrf: token,
      email: 'x@example.org',
      role: 'funder',
    });
    assert.equal(res.statusCode, 403);
    assert.equal(
      (await db().selectFrom('account_invitations').select('id').execute()).length,
      invitations.length,
    );
    const rg = await db()
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'region@example.org')
      .executeTakeFirstOrThrow();
    const revoke = await funder.post(`/fr/admin/operateurs/${rg.id}/revoke`, { _csrf: token });
    assert.equal(revoke.statusCode, 403);
    assert.deepEqual(await rolesOf(rg.id), ['region_admin']);
    assert.deepEqual(await rolesOf(funderId), ['funder']);
  });

  test('comptoir admin create --role funder makes a funder', () => {
    const res = spawnSync(
      process.execPath,
      [
        CLI,
        'admin',
        'create',
        '--email',
        'cli-funder@example.org',
        '--password',
        PW,
        '--role',
        'funder',
        '--json',
      ],
      { env: { ...process.env, ...p.testDb.childEnv }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(res.status, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).role, 'funder');
    const bad = spawnSync(
      process.execPath,
      [CLI, 'admin', 'create', '--email', 'x@example.org', '--password', PW, '--role', 'sponsor'],
      { env: { ...process.env, ...p.testDb.childEnv }, encoding: 'utf8', timeout: 60_000 },
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /region_admin, association_admin or funder/);
  });

  test('the CLI user is a funder in the database', async () => {
    const u = await db()
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'cli-funder@example.org')
      .executeTakeFirstOrThrow();
    assert.deepEqual(await rolesOf(u.id), ['funder']);
  });
});
