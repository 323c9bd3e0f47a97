import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  getSessionUser,
  requireAssociationAdmin,
  requireMerchantRole,
  requireRegionAdmin,
} from '../../src/http/auth.ts';
import { AppError } from '../../src/lib/errors.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, sessionCookie } from '../helpers/session.ts';

const PW = 'correct horse battery';

describe('accounts and sessions', () => {
  let p: TestPlatform;
  let region: MiniRegion;
  before(async () => {
    p = await createTestPlatform();
    region = await seedMiniRegion(p.context.database.db);
    await createUser(p.context.database.db, {
      email: 'ana@example.test',
      password: PW,
      name: 'Ana',
      verified: true,
    });
  });
  after(() => p.close());
  const db = () => p.context.database.db;

  test('login pages exist in French and English with labelled fields', async () => {
    const fr = await new Agent(p.app).get('/fr/connexion');
    assert.equal(fr.statusCode, 200);
    assert.match(fr.body, /<label for="f-email">Adresse courriel/);
    assert.match(fr.body, /<label for="f-password">Mot de passe/);
    const en = await new Agent(p.app).get('/en/login');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /Sign in/);
  });

  test('a wrong password and an unknown email get the same generic error, and are recorded without the password', async () => {
    const a = new Agent(p.app, '10.0.0.1');
    const wrong = await a.login('ana@example.test', 'not the password');
    const unknown = await a.login('nobody@example.test', 'not the password');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    for (const r of [wrong, unknown]) assert.match(r.body, /Adresse courriel ou mot de passe incorrect/);
    assert.equal(a.cookies.has('session'), false);
    const rows = await db().selectFrom('login_failures').selectAll().execute();
    assert.deepEqual(rows.map((r) => r.email).sort(), ['ana@example.test', 'nobody@example.test']);
    assert.ok(!JSON.stringify(rows).includes('not the password'));
    await db().deleteFrom('login_failures').execute();
  });

  test('login without the CSRF token is refused', async () => {
    const a = new Agent(p.app);
    const res = await a.post('/fr/connexion', { email: 'ana@example.test', password: PW });
    assert.equal(res.statusCode, 403);
  });

  test('login sets an HttpOnly SameSite=Lax cookie; only the token hash is stored; a new id each login', async () => {
    const a = new Agent(p.app);
    const res = await a.login('ana@example.test', PW);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/fr/compte');
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /session=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/);
    const token = a.cookies.get('session') as string;
    const rows = await db().selectFrom('sessions').selectAll().execute();
    const mine = rows.find((r) => r.id === createHash('sha256').update(token).digest('hex'));
    assert.ok(mine, 'the session row is keyed by the SHA-256 of the token');
    assert.ok(!rows.some((r) => r.id === token));

    const account = await a.get('/fr/compte');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /ana@example\.test/);

    // Logging in again (session renewal) replaces the session: the old token stops working.
    await a.login('ana@example.test', PW);
    const token2 = a.cookies.get('session') as string;
    assert.notEqual(token2, token);
    const old = await p.app.inject({
      url: '/fr/compte',
      headers: { accept: 'text/html', cookie: `session=${token}` },
    });
    assert.equal(old.statusCode, 303);
    assert.equal(
      await db()
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', createHash('sha256').update(token).digest('hex'))
        .executeTakeFirst(),
      undefined,
    );
  });

  test('pages needing a user redirect to login and back; "next" never leaves the site', async () => {
    const anon = await new Agent(p.app).get('/en/account');
    assert.equal(anon.statusCode, 303);
    assert.equal(anon.headers.location, '/en/login?next=%2Fen%2Faccount');
    const a = new Agent(p.app);
    await a.get('/en/login');
    const back = await a.submit('/en/login', {
      email: 'ana@example.test',
      password: PW,
      next: '/en/account',
    });
    assert.equal(back.headers.location, '/en/account');
    const b = new Agent(p.app);
    const evil = await b.submit('/fr/connexion', {
      email: 'ana@example.test',
      password: PW,
      next: '//evil.example/x',
    });
    assert.equal(evil.headers.location, '/fr/compte');
    const json = await p.app.inject({ url: '/fr/compte', headers: { accept: 'application/json' } });
    assert.equal(json.statusCode, 401);
    assert.equal(json.json().error.code, 'unauthorized');
  });

  test('logout deletes the session on the server', async () => {
    const a = new Agent(p.app);
    await a.login('ana@example.test', PW);
    const token = a.cookies.get('session') as string;
    const out = await a.submit('/fr/deconnexion', {}, '/fr/compte');
    assert.equal(out.statusCode, 303);
    assert.equal(a.cookies.has('session'), false);
    const replay = await p.app.inject({
      url: '/fr/compte',
      headers: { accept: 'text/html', cookie: `session=${token}` },
    });
    assert.equal(replay.statusCode, 303, 'a copied cookie is useless after logout');
  });

  test('idle and absolute timeouts end sessions', async () => {
    const user = await db()
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'ana@example.test')
      .executeTakeFirstOrThrow();
    const idle = await sessionCookie(db(), user.id);
    const abs = await sessionCookie(db(), user.id);
    const hash = (c: string) => createHash('sha256').update(c.split('=')[1]).digest('hex');
    const ok = await p.app.inject({ url: '/fr/compte', headers: { accept: 'text/html', cookie: idle } });
    assert.equal(ok.statusCode, 200);
    await db()
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 13 * 3600_000).toISOString() })
      .where('id', '=', hash(idle))
      .execute();
    await db()
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', hash(abs))
      .execute();
    for (const c of [idle, abs]) {
      const res = await p.app.inject({ url: '/fr/compte', headers: { accept: 'text/html', cookie: c } });
      assert.equal(res.statusCode, 303);
    }
    const left = await db()
      .selectFrom('sessions')
      .select('id')
      .where('id', 'in', [hash(idle), hash(abs)])
      .execute();
    assert.equal(left.length, 0, 'expired sessions are deleted');
  });

  test('an account is throttled after 5 failed logins, even with the right password afterwards', async () => {
    await createUser(db(), { email: 'bob@example.test', password: PW, verified: true });
    const a = new Agent(p.app, '10.0.0.2');
    for (let i = 0; i < 5; i++)
      assert.equal((await a.login('bob@example.test', `wrong password ${i}`)).statusCode, 401);
    const locked = await a.login('BOB@example.test', PW);
    assert.equal(locked.statusCode, 429);
    assert.match(locked.body, /Trop de tentatives/);
    assert.equal(a.cookies.has('session'), false);
  });

  test('the login form is rate limited per IP', async () => {
    const a = new Agent(p.app, '10.0.0.3');
    let limited = 0;
    for (let i = 0; i < 32; i++) {
      const r = await a.post('/fr/connexion', { email: `x${i}@example.test`, password: 'x' });
      if (r.statusCode === 429) limited++;
    }
    assert.ok(limited >= 2, `expected 429s after 30 attempts, got ${limited}`);
  });

  test('customer sign-up sends a confirmation link; login waits for it', async () => {
    const a = new Agent(p.app);
    const res = await a.submit('/en/signup', { name: 'Chloé', email: 'Chloe@Example.test', password: PW });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Check your email/);
    const mail = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', 'chloe@example.test')
      .executeTakeFirstOrThrow();
    assert.equal(mail.kind, 'account_confirmation');
    assert.equal(mail.lang, 'en');
    const link = /(\/en\/signup\/confirm\?token=\S+)/.exec(mail.text_body)?.[1] as string;
    assert.ok(link);

    const early = await a.login('chloe@example.test', PW, 'en');
    assert.equal(early.statusCode, 403);
    assert.match(early.body, /confirm your email/);

    const tampered = await a.get(link.replace(/token=(.)/, (_m, c) => `token=${c === 'a' ? 'b' : 'a'}`));
    assert.equal(tampered.statusCode, 400);
    const ok = await a.get(link);
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /Address confirmed/);
    assert.equal((await a.login('chloe@example.test', PW, 'en')).statusCode, 303);
  });

  test('sign-up validates fields next to them and does not reveal existing accounts', async () => {
    const a = new Agent(p.app);
    const bad = await a.submit('/fr/inscription', { name: '', email: 'nope', password: 'short' });
    assert.equal(bad.statusCode, 400);
    assert.match(
      bad.body,
      /aria-invalid="true"[^>]*aria-describedby="f-email-error"|aria-describedby="f-email-error"/,
    );
    assert.match(bad.body, /id="f-password-error"[^>]*>Le mot de passe doit compter au moins 12/);
    const dup = await a.submit('/fr/inscription', { name: 'Autre', email: 'ana@example.test', password: PW });
    assert.equal(dup.statusCode, 200);
    assert.match(dup.body, /Vérifiez vos courriels/);
    const mail = await db()
      .selectFrom('outbox')
      .select('kind')
      .where('to_address', '=', 'ana@example.test')
      .executeTakeFirstOrThrow();
    assert.equal(mail.kind, 'account_exists');
  });

  test('profile update on the account page', async () => {
    const a = new Agent(p.app);
    await a.login('ana@example.test', PW);
    const res = await a.submit('/fr/compte', { name: 'Ana Tremblay', locale: 'en' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Modifications enregistrées/);
    const u = await db()
      .selectFrom('users')
      .select(['name', 'locale'])
      .where('email', '=', 'ana@example.test')
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...u }, { name: 'Ana Tremblay', locale: 'en' });
  });

  test('role guards: staff of merchant A never gets merchant B; owner-only refuses staff; admin scopes', async () => {
    const A = region.merchants.erabliere.merchant_id;
    const B = region.merchants.sports.merchant_id;
    const staff = await createUser(db(), {
      email: 'staff@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'merchant_staff', merchant_id: A }],
    });
    const aylmerAdmin = await createUser(db(), {
      email: 'aylmer@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'association_admin', association_id: region.associations.aylmer }],
    });
    const regionAdmin = await createUser(db(), {
      email: 'region@example.test',
      password: PW,
      verified: true,
      roles: [{ role: 'region_admin' }],
    });
    const req = async (userId: number) =>
      ({ cookies: { session: (await sessionCookie(db(), userId)).split('=')[1] } }) as never;
    const code = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return 'ok';
      } catch (e) {
        return (e as AppError).code;
      }
    };
    const s = await req(staff.id);
    assert.equal((await requireMerchantRole(s, p.context)).merchantId, A);
    assert.equal((await requireMerchantRole(s, p.context)).role, 'merchant_staff');
    assert.equal(await code(() => requireMerchantRole(s, p.context, { merchantId: B })), 'forbidden');
    assert.equal(await code(() => requireMerchantRole(s, p.context, { owner: true })), 'forbidden');
    assert.equal(await code(() => requireRegionAdmin(s, p.context)), 'forbidden');
    assert.equal(await code(() => requireMerchantRole({ cookies: {} } as never, p.context)), 'unauthorized');
    const ay = await req(aylmerAdmin.id);
    assert.equal(await code(() => requireAssociationAdmin(ay, p.context, region.associations.aylmer)), 'ok');
    assert.equal(
      await code(() => requireAssociationAdmin(ay, p.context, region.associations.chelsea)),
      'forbidden',
    );
    const ra = await req(regionAdmin.id);
    assert.equal(await code(() => requireAssociationAdmin(ra, p.context, region.associations.chelsea)), 'ok');
    assert.equal(await code(() => requireRegionAdmin(ra, p.context)), 'ok');
    const u = await getSessionUser(ay, p.context);
    assert.deepEqual(u?.roles, [
      { role: 'association_admin', merchant_id: null, association_id: region.associations.aylmer },
    ]);
    assert.ok(AppError);
  });
});

describe('secure cookies outside development', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform({ INSECURE_COOKIES: '0' });
    await createUser(p.context.database.db, { email: 'ana@example.test', password: PW, verified: true });
  });
  after(() => p.close());

  test('the session cookie is __Host-session, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const a = new Agent(p.app);
    const page = await a.get('/fr/connexion');
    assert.ok(a.cookies.has('__Host-csrf'));
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const res = await a.post('/fr/connexion', { email: 'ana@example.test', password: PW, _csrf: token });
    assert.equal(res.statusCode, 303);
    const c = String(res.headers['set-cookie']);
    assert.match(c, /__Host-session=[\w-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax/);
    assert.doesNotMatch(c, /Domain=/);
  });
});
