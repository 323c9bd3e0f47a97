import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createUser, passwordResetsSettled } from '../../src/modules/accounts/index.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

/**
 * Password change on the account page and forgotten-password reset by emailed link
 * (ASVS 6.2.2, 6.2.3, 6.4.3, 7.4.3), through HTTP and the real database. The app logs to a
 * stream so the tests can check that reset tokens and passwords never reach the logs.
 */
const PW = 'un mot de passe assez long';
const NEW_PW = 'une toute nouvelle phrase';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const tokenOf = (cookie: string | undefined) => cookie as string;

describe('password change and reset', () => {
  let p: TestPlatform;
  const logs: string[] = [];
  /** Every token and password sent: none may appear in the logs. */
  const secrets = new Set<string>([PW, NEW_PW]);
  const db = () => p.context.database.db;
  let ipCounter = 0;
  /** A fresh address per agent, so per-address limits of one test never spill into another. */
  const agent = () => new Agent(p.app, `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`);

  before(async () => {
    p = await createTestPlatform({ LOG_LEVEL: 'info' }, { logs });
    await seedMiniRegion(db());
  });
  after(async () => {
    await passwordResetsSettled();
    await p.close();
  });

  async function newUser(email: string, locale: 'fr' | 'en' = 'fr', verified = true) {
    return createUser(db(), { email, password: PW, name: 'Test', locale, verified });
  }
  const hashOf = async (email: string) =>
    (
      await db()
        .selectFrom('users')
        .select('password_hash')
        .where('email', '=', email)
        .executeTakeFirstOrThrow()
    ).password_hash;
  const mails = (to: string, kind?: string) => {
    let q = db().selectFrom('outbox').selectAll().where('to_address', '=', to);
    if (kind) q = q.where('kind', '=', kind);
    return q.orderBy('id').execute();
  };
  const sessionsOf = (userId: number) =>
    db().selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  async function signedIn(email: string, password = PW, lang: 'fr' | 'en' = 'fr') {
    const a = agent();
    const res = await a.login(email, password, lang);
    assert.equal(res.statusCode, 303, `login ${email}`);
    return a;
  }
  /** Asks for a reset link on the page and returns the emailed link (path and token). */
  async function resetLink(email: string, lang: 'fr' | 'en' = 'fr') {
    const before = (await mails(email, 'password_reset')).length;
    const res = await agent().submit(lang === 'fr' ? '/fr/mot-de-passe-oublie' : '/en/forgot-password', {
      email,
    });
    assert.equal(res.statusCode, 200);
    await passwordResetsSettled();
    const sent = await mails(email, 'password_reset');
    assert.equal(sent.length, before + 1, 'one reset email');
    const mail = sent[sent.length - 1];
    const m = /(https?:\/\/\S+\?token=([A-Za-z0-9_-]+))/.exec(mail.text_body);
    assert.ok(m, 'the email carries a link with a token');
    const url = new URL(m[1]);
    secrets.add(m[2]);
    return { path: `${url.pathname}${url.search}`, token: m[2], mail };
  }

  test('the account page has a password form (CSRF, labelled fields, translated); the sign-in page links to the reset', async () => {
    await newUser('form@example.test');
    const fr = await signedIn('form@example.test');
    const page = await fr.get('/fr/compte');
    assert.equal(page.statusCode, 200);
    const form = /<form method="post" action="\/fr\/compte\/mot-de-passe"[\s\S]*?<\/form>/.exec(
      page.body,
    )?.[0];
    assert.ok(form, 'a form posting to /fr/compte/mot-de-passe');
    assert.match(form, /name="_csrf" value="[^"]+"/);
    assert.match(form, /<label for="f-current_password">Mot de passe actuel/);
    assert.match(form, /<label for="f-new_password">Nouveau mot de passe/);
    assert.match(form, /<label for="f-confirm_password">Confirmez le nouveau mot de passe/);
    assert.match(form, /type="password"[^>]*autocomplete="current-password"|autocomplete="current-password"/);
    const en = await signedIn('form@example.test', PW, 'en');
    assert.match(
      (await en.get('/en/account')).body,
      /action="\/en\/account\/password"[\s\S]*Current password/,
    );
    // Without a CSRF token the change is refused.
    const before = await hashOf('form@example.test');
    const forged = await fr.post('/fr/compte/mot-de-passe', {
      current_password: PW,
      new_password: NEW_PW,
      confirm_password: NEW_PW,
    });
    assert.equal(forged.statusCode, 403);
    assert.equal(await hashOf('form@example.test'), before);
    assert.match(
      (await agent().get('/fr/connexion')).body,
      /href="\/fr\/mot-de-passe-oublie">Mot de passe oublié/,
    );
    assert.match((await agent().get('/en/login')).body, /href="\/en\/forgot-password">Forgot your password/);
  });

  test('a wrong current password is refused next to its field and changes nothing', async () => {
    const u = await newUser('wrong@example.test');
    const a = await signedIn('wrong@example.test');
    const other = await signedIn('wrong@example.test');
    const before = await hashOf('wrong@example.test');
    const res = await a.submit(
      '/fr/compte/mot-de-passe',
      { current_password: 'pas le bon mot de passe', new_password: NEW_PW, confirm_password: NEW_PW },
      '/fr/compte',
    );
    assert.equal(res.statusCode, 400);
    assert.match(
      res.body,
      /aria-invalid="true" aria-describedby="f-current_password-error"[\s\S]*id="f-current_password-error" role="alert">Le mot de passe actuel est incorrect\./,
    );
    assert.equal(await hashOf('wrong@example.test'), before, 'the hash is unchanged');
    assert.equal((await sessionsOf(u.id)).length, 2, 'no session ended');
    assert.equal((await other.get('/fr/compte')).statusCode, 200);
    assert.equal((await mails('wrong@example.test', 'password_changed')).length, 0);
    // It counts as a failed login for the account (the per-account lock).
    const failures = await db()
      .selectFrom('login_failures')
      .select('email')
      .where('email', '=', 'wrong@example.test')
      .execute();
    assert.equal(failures.length, 1);
    assert.equal(
      (await agent().login('wrong@example.test', PW)).statusCode,
      303,
      'the old password still works',
    );
    assert.equal((await agent().login('wrong@example.test', NEW_PW)).statusCode, 401);
  });

  test('a weak or mismatched new password is refused with the sign-up rules, translated, and changes nothing', async () => {
    await newUser('weak@example.test', 'en');
    const a = await signedIn('weak@example.test', PW, 'en');
    const before = await hashOf('weak@example.test');
    const change = (fields: Record<string, string>) =>
      a.submit('/en/account/password', fields, '/en/account');
    const common = await change({
      current_password: PW,
      new_password: 'Password2024!',
      confirm_password: 'Password2024!',
    });
    assert.equal(common.statusCode, 400);
    assert.match(common.body, /id="f-new_password-error" role="alert">This password is too common/);
    const short = await change({ current_password: PW, new_password: 'short', confirm_password: 'short' });
    assert.match(
      short.body,
      /id="f-new_password-error" role="alert">The password must be at least 12 characters/,
    );
    const own = await change({
      current_password: PW,
      new_password: 'weak1234567890',
      confirm_password: 'weak1234567890',
    });
    assert.match(
      own.body,
      /id="f-new_password-error" role="alert">This password is too common/,
      'the account’s own address',
    );
    const mismatch = await change({
      current_password: PW,
      new_password: NEW_PW,
      confirm_password: `${NEW_PW}!`,
    });
    assert.equal(mismatch.statusCode, 400);
    assert.match(
      mismatch.body,
      /id="f-confirm_password-error" role="alert">The two passwords do not match\./,
    );
    assert.equal(await hashOf('weak@example.test'), before);
    assert.equal((await agent().login('weak@example.test', PW)).statusCode, 303);
  });

  test('a successful change ends every other session, renews this one, emails the user in their language; the old password stops working', async () => {
    const u = await newUser('chloe@example.test', 'en');
    const a = await signedIn('chloe@example.test', PW, 'en');
    const b = await signedIn('chloe@example.test', PW, 'fr');
    const oldToken = tokenOf(a.cookies.get('session'));
    assert.equal((await sessionsOf(u.id)).length, 2);
    // Changed from the French page: the email still follows the account's language (English).
    const res = await a.submit(
      '/fr/compte/mot-de-passe',
      { current_password: PW, new_password: NEW_PW, confirm_password: NEW_PW },
      '/fr/compte',
    );
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Votre mot de passe a été changé\. Vos autres sessions ont été fermées/);
    const newToken = tokenOf(a.cookies.get('session'));
    assert.ok(newToken && newToken !== oldToken, 'the session id is renewed');
    assert.deepEqual(
      (await sessionsOf(u.id)).map((s) => s.id),
      [sha256(newToken)],
      'only the renewed session is left',
    );
    assert.equal((await a.get('/fr/compte')).statusCode, 200, 'this browser stays signed in');
    const replay = await p.app.inject({
      url: '/fr/compte',
      headers: { accept: 'text/html', cookie: `session=${oldToken}` },
    });
    assert.equal(replay.statusCode, 303, 'the previous id of this browser is dead');
    const signedOut = await b.get('/fr/compte');
    assert.equal(signedOut.statusCode, 303, 'the other browser is signed out');
    assert.match(String(signedOut.headers.location), /^\/fr\/connexion/);
    const sent = await mails('chloe@example.test', 'password_changed');
    assert.equal(sent.length, 1);
    assert.equal(sent[0].lang, 'en');
    assert.equal(sent[0].subject, 'Your password was changed');
    assert.match(sent[0].text_body, /\/en\/forgot-password/);
    assert.ok(!sent[0].text_body.includes(NEW_PW));
    assert.match(String(await hashOf('chloe@example.test')), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(
      (await agent().login('chloe@example.test', PW, 'en')).statusCode,
      401,
      'old password refused',
    );
    assert.equal(
      (await agent().login('chloe@example.test', NEW_PW, 'en')).statusCode,
      303,
      'new password works',
    );
  });

  test('after 5 wrong current passwords the account is throttled, even with the right one', async () => {
    await newUser('lock@example.test');
    const a = await signedIn('lock@example.test');
    const change = (current: string) =>
      a.submit(
        '/fr/compte/mot-de-passe',
        { current_password: current, new_password: NEW_PW, confirm_password: NEW_PW },
        '/fr/compte',
      );
    for (let i = 0; i < 5; i++) assert.equal((await change(`mauvais mot de passe ${i}`)).statusCode, 400);
    const locked = await change(PW);
    assert.equal(locked.statusCode, 429);
    assert.match(locked.body, /Trop de tentatives pour ce compte/);
    assert.equal((await agent().login('lock@example.test', NEW_PW)).statusCode, 429);
    await db().deleteFrom('login_failures').where('email', '=', 'lock@example.test').execute();
    assert.equal((await agent().login('lock@example.test', PW)).statusCode, 303, 'unchanged');
  });

  test('forgotten password: the same answer for an unknown and a known address; only the known one gets one email', async () => {
    await newUser('known@example.test');
    const form = await agent().get('/fr/mot-de-passe-oublie');
    assert.equal(form.statusCode, 200);
    assert.equal(form.headers['cache-control'], 'no-store');
    assert.equal(form.headers['referrer-policy'], 'no-referrer');
    assert.match(form.body, /<label for="f-email">Adresse courriel/);
    assert.equal((await agent().get('/en/forgot-password')).statusCode, 200);
    const outboxBefore = await db().selectFrom('outbox').select('id').execute();

    const unknown = await agent().submit('/fr/mot-de-passe-oublie', { email: 'Nobody@Example.test' });
    const known = await agent().submit('/fr/mot-de-passe-oublie', { email: 'Known@Example.test' });
    assert.equal(unknown.statusCode, 200);
    assert.equal(known.statusCode, 200);
    const main = (body: string, email: string) =>
      (/<main[\s\S]*<\/main>/.exec(body)?.[0] ?? body).replaceAll(email, 'EMAIL');
    assert.equal(main(unknown.body, 'nobody@example.test'), main(known.body, 'known@example.test'));
    assert.match(known.body, /Si un compte existe pour l’adresse known@example\.test/);

    await passwordResetsSettled();
    const outboxAfter = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('id', 'not in', [0, ...outboxBefore.map((r) => r.id)])
      .execute();
    assert.deepEqual(
      outboxAfter.map((m) => [m.to_address, m.kind]),
      [['known@example.test', 'password_reset']],
      'nothing is sent for the unknown address',
    );
    assert.equal(outboxAfter[0].lang, 'fr');
    assert.match(outboxAfter[0].text_body, /valide 1 heure/);
    const rows = await db().selectFrom('password_resets').selectAll().execute();
    assert.equal(rows.length, 1);
    // CSRF like every form.
    const forged = await agent().post('/fr/mot-de-passe-oublie', { email: 'known@example.test' });
    assert.equal(forged.statusCode, 403);
    // A malformed address is a field error, not a 500.
    const bad = await agent().submit('/en/forgot-password', { email: 'not-an-address' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-email-error"/);
  });

  test('the reset link: 256-bit token stored hashed, works once, ends every session, signs in fresh; the old password stops working', async () => {
    const u = await newUser('dan@example.test', 'en');
    const elsewhere = await signedIn('dan@example.test');
    // Asked from the French page, the email follows the account's language.
    const { path, token, mail } = await resetLink('dan@example.test', 'fr');
    assert.equal(mail.lang, 'en');
    assert.match(path, /^\/en\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token, 'base64url').length, 32, '256 random bits');
    const row = await db()
      .selectFrom('password_resets')
      .selectAll()
      .where('user_id', '=', u.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, sha256(token), 'only the SHA-256 is stored');
    assert.ok(!JSON.stringify(row).includes(token));
    const ttl = new Date(row.expires_at).getTime() - new Date(row.created_at).getTime();
    assert.equal(ttl, 3600_000, 'valid 1 hour');
    assert.equal(row.used_at, null);

    const r = agent();
    const page = await r.get(path);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.match(page.body, /<input type="hidden" name="token" value="[A-Za-z0-9_-]{43}" ?\/?>/);
    assert.equal(page.body.split(token).length - 1, 1, 'the token appears only in the hidden field');
    assert.match(page.body, /Account: dan@example\.test/);
    // Opening the link uses nothing up (mail scanners follow links).
    assert.equal((await r.get(path)).statusCode, 200);

    // A weak password is refused next to its field and leaves the link usable.
    const weak = await r.submit(
      '/en/reset-password',
      { token, password: 'password1234', confirm: 'password1234' },
      path,
    );
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /id="f-password-error" role="alert">This password is too common/);
    const mismatch = await r.submit(
      '/en/reset-password',
      { token, password: NEW_PW, confirm: 'autre chose encore' },
      path,
    );
    assert.match(mismatch.body, /id="f-confirm-error" role="alert">The two passwords do not match/);
    assert.equal(
      (
        await db()
          .selectFrom('password_resets')
          .select('used_at')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).used_at,
      null,
    );

    const done = await r.submit('/en/reset-password', { token, password: NEW_PW, confirm: NEW_PW }, path);
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /Your new password is saved and you are signed in/);
    assert.equal(done.headers['cache-control'], 'no-store');
    const fresh = tokenOf(r.cookies.get('session'));
    assert.ok(fresh, 'signed in on a fresh session');
    assert.deepEqual(
      (await sessionsOf(u.id)).map((s) => s.id),
      [sha256(fresh)],
      'every other session ended',
    );
    assert.equal((await r.get('/en/account')).statusCode, 200);
    assert.equal((await elsewhere.get('/fr/compte')).statusCode, 303, 'the session signed in before is gone');
    assert.ok(
      (
        await db()
          .selectFrom('password_resets')
          .select('used_at')
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow()
      ).used_at,
      'consumed',
    );
    const changed = await mails('dan@example.test', 'password_changed');
    assert.equal(changed.length, 1);
    assert.equal(changed[0].lang, 'en');

    // A second use is refused, by the link and by the form, and changes nothing.
    const again = await agent().get(path);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /This reset link was already used/);
    const x = agent();
    await x.get('/en/forgot-password');
    const reuse = await x.submit(
      '/en/reset-password',
      { token, password: 'encore une autre phrase', confirm: 'encore une autre phrase' },
      '/en/forgot-password',
    );
    assert.equal(reuse.statusCode, 400);
    assert.match(reuse.body, /This reset link was already used/);
    assert.equal(x.cookies.has('session'), false);

    assert.equal((await agent().login('dan@example.test', PW, 'en')).statusCode, 401, 'old password refused');
    assert.equal((await agent().login('dan@example.test', 'encore une autre phrase', 'en')).statusCode, 401);
    assert.equal(
      (await agent().login('dan@example.test', NEW_PW, 'en')).statusCode,
      303,
      'new password signs in',
    );
  });

  test('a reset confirms an unconfirmed address (the link proved it) and voids the other pending links', async () => {
    const u = await newUser('eve@example.test', 'fr', false);
    const first = await resetLink('eve@example.test');
    const second = await resetLink('eve@example.test');
    const a = agent();
    const done = await a.submit(
      '/fr/reinitialiser-mot-de-passe',
      { token: second.token, password: NEW_PW, confirm: NEW_PW },
      second.path,
    );
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /Votre nouveau mot de passe est enregistré/);
    const user = await db()
      .selectFrom('users')
      .select('email_verified_at')
      .where('id', '=', u.id)
      .executeTakeFirstOrThrow();
    assert.ok(user.email_verified_at);
    const old = await agent().get(first.path);
    assert.equal(old.statusCode, 400);
    assert.match(old.body, /a déjà servi/);
  });

  test('an expired, unknown or malformed token gets a clear translated message, never a 500', async () => {
    const u = await newUser('fay@example.test');
    const { path, token } = await resetLink('fay@example.test');
    await db()
      .updateTable('password_resets')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('user_id', '=', u.id)
      .execute();
    const expired = await agent().get(path);
    assert.equal(expired.statusCode, 400);
    assert.match(expired.body, /Ce lien de réinitialisation a expiré \(il est valide 1 heure\)/);
    assert.match(expired.body, /href="\/fr\/mot-de-passe-oublie"/);
    assert.equal(expired.headers['cache-control'], 'no-store');
    const en = await agent().get(path.replace('/fr/reinitialiser-mot-de-passe', '/en/reset-password'));
    assert.match(en.body, /This reset link has expired/);
    const a = agent();
    const post = await a.submit(
      '/fr/reinitialiser-mot-de-passe',
      { token, password: NEW_PW, confirm: NEW_PW },
      '/fr/mot-de-passe-oublie',
    );
    assert.equal(post.statusCode, 400);
    assert.match(post.body, /a expiré/);
    assert.equal(a.cookies.has('session'), false);
    assert.equal((await agent().login('fay@example.test', PW)).statusCode, 303, 'password unchanged');

    const unknown = await agent().get(
      `/fr/reinitialiser-mot-de-passe?token=${randomBytes(32).toString('base64url')}`,
    );
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /Ce lien de réinitialisation est invalide/);
    for (const url of [
      '/fr/reinitialiser-mot-de-passe',
      '/fr/reinitialiser-mot-de-passe?token=',
      '/en/reset-password?token=abc',
      `/en/reset-password?token=${'x'.repeat(43)}%00`,
      `/en/reset-password?token=${'a'.repeat(3000)}`,
      '/en/reset-password?token=a&token=b',
    ]) {
      const res = await agent().get(url);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} → ${res.statusCode}`);
    }
    const blank = await agent().submit(
      '/en/reset-password',
      { token: '', password: NEW_PW, confirm: NEW_PW },
      '/en/forgot-password',
    );
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /This reset link is invalid/);
  });

  test('reset requests are rate limited per address (known or not, so a 429 reveals nothing) and per IP', async () => {
    await newUser('busy@example.test');
    for (const email of ['busy@example.test', 'ghost@example.test']) {
      for (let i = 0; i < 3; i++)
        assert.equal(
          (await agent().submit('/fr/mot-de-passe-oublie', { email })).statusCode,
          200,
          `${email} #${i + 1}`,
        );
      const fourth = await agent().submit('/fr/mot-de-passe-oublie', { email: email.toUpperCase() });
      assert.equal(fourth.statusCode, 429, `${email}: 4th request within the hour`);
      assert.match(fourth.body, /Trop de demandes pour cette adresse/);
    }
    await passwordResetsSettled();
    assert.equal((await mails('busy@example.test', 'password_reset')).length, 3, 'at most 3 emails an hour');
    assert.equal((await mails('ghost@example.test')).length, 0);

    const one = agent();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await one.submit('/fr/mot-de-passe-oublie', { email: `ip${i}@example.test` })).statusCode,
      );
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
    assert.deepEqual(statuses.slice(10), [429, 429], 'the 11th request from one address is refused');
  });

  test('reset tokens and passwords never reach the logs; the link’s URL is logged redacted', async () => {
    await passwordResetsSettled();
    const text = logs.join('');
    assert.ok(logs.length > 50, `${logs.length} log lines captured`);
    assert.ok(
      text.includes('"url":"/en/reset-password?token=[redacted]"'),
      'request URLs of reset links are logged, redacted',
    );
    assert.match(text, /"event":"password_reset_requested"/);
    assert.match(text, /"event":"password_changed"/);
    assert.match(text, /"event":"password_reset"/);
    assert.ok(secrets.size >= 6);
    for (const s of secrets) {
      assert.ok(!text.includes(s), `a secret reached the logs: ${s.slice(0, 6)}…`);
      assert.ok(!text.includes(sha256(s)), 'nor its hash');
    }
  });
});
