import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commandHelp } from '../../src/cli/help.ts';
import { createOperator, createUser, readInvitation } from '../../src/modules/accounts/index.ts';
import { createMerchant } from '../../src/modules/onboarding/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, csrfFrom, sessionCookie } from '../helpers/session.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const PW = 'correct horse battery staple';

describe(`operator console, operator accounts and invitations (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  let regionAdmin: Agent;
  let regionAdminId: number;
  let aylmerAdmin: Agent;
  let customer: Agent;
  let customerId: number;
  let anonymous: Agent;
  const db = () => p.context.database.db;

  async function agentFor(userId: number, ip: string) {
    const a = new Agent(p.app, ip);
    const [name, value] = (await sessionCookie(db(), userId)).split('=');
    a.cookies.set(name, value);
    return a;
  }
  const count = async (table: 'account_invitations' | 'outbox' | 'user_roles' | 'sessions') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const hrefs = (body: string) =>
    [...body.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&'));
  const lastMail = (to: string) =>
    db()
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', to)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  const linkIn = (text: string) => {
    const m = /(https?:\/\/\S+\/(fr|en)\/invitation\?token=[A-Za-z0-9_-]{43})/.exec(text);
    assert.ok(m, `an absolute invitation link in: ${text}`);
    return new URL(m[1]);
  };
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...p.testDb.childEnv, LANG: 'fr_CA.UTF-8', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  before(async () => {
    p = await createTestPlatform();
    r = await seedMiniRegion(db());
    const rg = await createOperator(db(), {
      email: 'region@example.org',
      password: PW,
      role: 'region_admin',
    });
    const ay = await createOperator(db(), {
      email: 'aylmer@example.org',
      password: PW,
      role: 'association_admin',
      association: 'aylmer',
    });
    const cu = await createUser(db(), { email: 'client@example.org', password: PW, name: 'Client' });
    regionAdminId = rg.user_id;
    customerId = cu.id;
    regionAdmin = await agentFor(rg.user_id, '10.1.0.1');
    aylmerAdmin = await agentFor(ay.user_id, '10.1.0.2');
    customer = await agentFor(cu.id, '10.1.0.3');
    anonymous = new Agent(p.app, '10.1.0.4');
    // Two sign-ups waiting for approval: one in Aylmer, one in Chelsea.
    for (const [name, association] of [
      ['Atelier en attente', 'aylmer'],
      ['Boutique en attente', 'chelsea'],
    ] as const)
      await createMerchant(db(), {
        name,
        status: 'pending',
        associations: [association],
        location: { address: '1 rue Principale', lat: 45.45, lng: -75.8 },
      } as never);
  });
  after(() => p.close());

  test('the console lists every tool for a region admin, grouped, in both languages', async () => {
    const fr = await regionAdmin.get('/fr/admin');
    assert.equal(fr.statusCode, 200);
    assert.match(String(fr.headers['cache-control']), /no-store/);
    assert.match(fr.body, /<h1>Console de l’opérateur<\/h1>/);
    for (const group of ['merchants', 'associations', 'campaigns', 'impact', 'region', 'operators'])
      assert.match(fr.body, new RegExp(`data-group="${group}"`), group);
    const links = hrefs(fr.body);
    for (const href of [
      '/fr/admin/commerces',
      '/fr/admin/associations',
      '/fr/admin/campaigns',
      '/fr/admin/gift-cards',
      '/fr/admin/impact',
      '/fr/admin/region',
      '/fr/admin/villes',
      '/fr/admin/categories',
      '/fr/admin/operateurs',
    ])
      assert.ok(links.includes(href), href);
    assert.match(fr.body, /data-pending="2"/);
    assert.match(fr.body, /2 commerces en attente d’approbation/);

    const en = await regionAdmin.get('/en/admin');
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /<h1>Operator console<\/h1>/);
    assert.match(en.body, /2 businesses awaiting approval/);
    const enLinks = hrefs(en.body);
    for (const href of [
      '/en/admin/merchants',
      '/en/admin/region',
      '/en/admin/towns',
      '/en/admin/categories',
      '/en/admin/operators',
    ])
      assert.ok(enLinks.includes(href), href);
  });

  test('an association admin sees only its association’s tools', async () => {
    const res = await aylmerAdmin.get('/fr/admin');
    assert.equal(res.statusCode, 200);
    const links = hrefs(res.body);
    for (const href of [
      '/fr/admin/commerces',
      '/fr/admin/associations/aylmer',
      '/fr/admin/campaigns',
      '/fr/admin/gift-cards?association=aylmer',
      '/fr/admin/impact?association=aylmer',
    ])
      assert.ok(links.includes(href), href);
    for (const href of [
      '/fr/admin/associations',
      '/fr/admin/associations/chelsea',
      '/fr/admin/region',
      '/fr/admin/villes',
      '/fr/admin/categories',
      '/fr/admin/operateurs',
      '/fr/admin/gift-cards',
      '/fr/admin/impact',
    ])
      assert.ok(!links.includes(href), `no ${href}`);
    assert.doesNotMatch(res.body, /data-group="(region|operators)"/);
    // Only the Aylmer sign-up counts for an Aylmer admin.
    assert.match(res.body, /data-pending="1"/);
  });

  test('others get what every admin page answers: login redirect, 401 for API clients, 403 when signed in', async () => {
    for (const url of ['/fr/admin', '/en/admin', '/fr/admin/operateurs', '/en/admin/operators']) {
      const res = await anonymous.get(url);
      assert.equal(res.statusCode, 303, url);
      assert.match(
        String(res.headers.location),
        new RegExp(`^/${url.slice(1, 3)}/(connexion|login)\\?next=`),
      );
      const api = await p.app.inject({ url, headers: { accept: 'application/json' } });
      assert.equal(api.statusCode, 401, url);
      assert.equal((await customer.get(url)).statusCode, 403, url);
    }
    // The operators page is for region admins only.
    assert.equal((await aylmerAdmin.get('/fr/admin/operateurs')).statusCode, 403);
    const token = csrfFrom((await aylmerAdmin.get('/fr/compte')).body);
    const before = await count('account_invitations');
    const refused = await aylmerAdmin.post('/fr/admin/operateurs', {
      _csrf: token,
      email: 'intrus@example.org',
      role: 'region_admin',
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(await count('account_invitations'), before, 'nothing created');
  });

  test('the account page links operators to the console, not customers', async () => {
    const op = await aylmerAdmin.get('/fr/compte');
    assert.ok(hrefs(op.body).includes('/fr/admin'));
    const en = await regionAdmin.get('/en/account');
    assert.ok(hrefs(en.body).includes('/en/admin'));
    const cu = await customer.get('/fr/compte');
    assert.equal(cu.statusCode, 200);
    assert.ok(!hrefs(cu.body).includes('/fr/admin'));
  });

  test('invite refuses bad input next to the fields and changes nothing', async () => {
    const invitations = await count('account_invitations');
    const mails = await count('outbox');
    const bad = await regionAdmin.submit('/fr/admin/operateurs', {
      email: 'pas-une-adresse',
      role: 'region_admin',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="f-email-error"[^>]*>[^<]+</);
    assert.match(bad.body, /aria-invalid="true"/);
    const noAssoc = await regionAdmin.submit('/en/admin/operators', {
      email: 'x@example.org',
      role: 'association_admin',
      association_id: '',
    });
    assert.equal(noAssoc.statusCode, 400);
    assert.match(noAssoc.body, /id="f-association_id-error"[^>]*>Choose this administrator’s association\.</);
    const badRole = await regionAdmin.submit('/fr/admin/operateurs', { email: 'x@example.org', role: 'god' });
    assert.equal(badRole.statusCode, 400);
    assert.match(badRole.body, /id="f-role-error"/);
    const already = await regionAdmin.submit('/fr/admin/operateurs', {
      email: 'aylmer@example.org',
      role: 'association_admin',
      association_id: String(r.associations.aylmer),
    });
    assert.equal(already.statusCode, 400);
    assert.match(already.body, /Cette adresse a déjà ce rôle/);
    assert.equal(await count('account_invitations'), invitations);
    assert.equal(await count('outbox'), mails);
  });

  test('invite → email with an absolute single-use link → password → signed in with the role → revoke', async () => {
    const sent = await regionAdmin.submit('/fr/admin/operateurs', {
      email: 'Nouvelle.Ops@Example.org',
      role: 'association_admin',
      association_id: String(r.associations.aylmer),
    });
    assert.equal(sent.statusCode, 200, sent.body);
    assert.match(sent.body, /Invitation envoyée à nouvelle\.ops@example\.org/);
    assert.match(sent.body, /data-invitation="\d+"/, 'listed as pending');
    const mail = await lastMail('nouvelle.ops@example.org');
    assert.ok(mail);
    assert.equal(mail.kind, 'operator_invitation');
    const link = linkIn(mail.text_body);
    assert.equal(link.pathname, '/fr/invitation');
    const token = link.searchParams.get('token') as string;
    const row = await db()
      .selectFrom('account_invitations')
      .selectAll()
      .where('email', '=', 'nouvelle.ops@example.org')
      .executeTakeFirstOrThrow();
    assert.notEqual(row.token_hash, token, 'only the hash is stored');
    assert.equal(row.role, 'association_admin');
    assert.equal(row.association_id, r.associations.aylmer);
    // About 7 days.
    const days = (Date.parse(row.expires_at) - Date.parse(row.created_at)) / 86_400_000;
    assert.ok(days > 6.99 && days < 7.01, String(days));
    assert.equal((await readInvitation(db(), token, new Date(Date.now() + 8 * 86_400_000))).state, 'expired');
    // No account exists until the invitation is accepted.
    assert.equal(
      await db()
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'nouvelle.ops@example.org')
        .executeTakeFirst(),
      undefined,
    );

    const invitee = new Agent(p.app, '10.1.0.9');
    const form = await invitee.get(`${link.pathname}${link.search}`);
    assert.equal(form.statusCode, 200);
    assert.equal(form.headers['referrer-policy'], 'no-referrer');
    assert.match(
      form.body,
      /administrer l’association Association des gens d’affaires d’Aylmer|administrer l’association /,
    );
    const weak = await invitee.post('/fr/invitation', {
      _csrf: csrfFrom(form.body),
      token,
      name: 'Nouvelle',
      password: 'court',
      confirm: 'court',
    });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /id="f-password-error"/);
    assert.equal((await readInvitation(db(), token)).state, 'valid', 'still usable after a field error');

    const done = await invitee.post('/fr/invitation', {
      _csrf: csrfFrom(weak.body),
      token,
      name: 'Nouvelle',
      password: PW,
      confirm: PW,
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.match(done.body, /vous êtes connecté/);
    assert.ok(hrefs(done.body).includes('/fr/admin'));
    const user = await db()
      .selectFrom('users')
      .select(['id', 'email_verified_at', 'password_hash'])
      .where('email', '=', 'nouvelle.ops@example.org')
      .executeTakeFirstOrThrow();
    assert.ok(user.email_verified_at);
    const roles = await db().selectFrom('user_roles').selectAll().where('user_id', '=', user.id).execute();
    assert.deepEqual(
      roles.map((x) => [x.role, x.association_id, x.merchant_id]),
      [['association_admin', r.associations.aylmer, null]],
    );
    const home = await invitee.get('/fr/admin');
    assert.equal(home.statusCode, 200, 'signed in with the role');
    assert.ok(hrefs(home.body).includes('/fr/admin/associations/aylmer'));
    // Single use.
    const again = await new Agent(p.app, '10.1.0.10').get(`${link.pathname}${link.search}`);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /déjà été acceptée/);

    // Revoke: the role goes, every session of the account ends.
    const list = await regionAdmin.get('/fr/admin/operateurs');
    assert.match(list.body, new RegExp(`data-operator="${user.id}"`));
    const sessionsBefore = await db()
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    assert.ok(sessionsBefore.length >= 1);
    const revoked = await regionAdmin.post(`/fr/admin/operateurs/${user.id}/revoke`, {
      _csrf: csrfFrom(list.body),
    });
    assert.equal(revoked.statusCode, 200);
    assert.match(revoked.body, /Accès retiré pour nouvelle\.ops@example\.org/);
    assert.equal(
      (await db().selectFrom('user_roles').select('id').where('user_id', '=', user.id).execute()).length,
      0,
    );
    assert.equal(
      (await db().selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).length,
      0,
    );
    const after = await invitee.get('/fr/admin');
    assert.equal(after.statusCode, 303, 'signed out');
    // Revoking twice: not an operator any more.
    const twice = await regionAdmin.post(`/fr/admin/operateurs/${user.id}/revoke`, {
      _csrf: csrfFrom(list.body),
    });
    assert.equal(twice.statusCode, 404);
  });

  test('a region admin cannot revoke themselves', async () => {
    const list = await regionAdmin.get('/fr/admin/operateurs');
    assert.doesNotMatch(list.body, new RegExp(`action="/fr/admin/operateurs/${regionAdminId}/revoke"`));
    const sessions = await count('sessions');
    const res = await regionAdmin.post(`/fr/admin/operateurs/${regionAdminId}/revoke`, {
      _csrf: csrfFrom(list.body),
    });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /Vous ne pouvez pas retirer votre propre accès/);
    const roles = await db()
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', regionAdminId)
      .execute();
    assert.deepEqual(
      roles.map((x) => x.role),
      ['region_admin'],
    );
    assert.equal(await count('sessions'), sessions);
    assert.equal((await regionAdmin.get('/fr/admin')).statusCode, 200);
  });

  test('an existing account accepts without a new password and signs in as usual; a withdrawn link is dead', async () => {
    const sent = await regionAdmin.submit('/en/admin/operators', {
      email: 'client@example.org',
      role: 'region_admin',
    });
    assert.equal(sent.statusCode, 200, sent.body);
    const link = linkIn((await lastMail('client@example.org'))!.text_body);
    const hashBefore = (
      await db()
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', customerId)
        .executeTakeFirstOrThrow()
    ).password_hash;
    const someone = new Agent(p.app, '10.1.0.11');
    const form = await someone.get(`${link.pathname}${link.search}`);
    assert.equal(form.statusCode, 200);
    assert.doesNotMatch(form.body, /name="password"/);
    const res = await someone.post(link.pathname, {
      _csrf: csrfFrom(form.body),
      token: link.searchParams.get('token')!,
    });
    assert.equal(res.statusCode, 303);
    assert.equal(
      res.headers.location,
      `/${link.pathname.slice(1, 3)}/${link.pathname.startsWith('/fr') ? 'connexion' : 'login'}?next=${encodeURIComponent(`/${link.pathname.slice(1, 3)}/admin`)}`,
    );
    assert.equal(someone.cookies.has('session'), false, 'not signed in by the link');
    const roles = await db()
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', '=', customerId)
      .execute();
    assert.ok(roles.some((x) => x.role === 'region_admin'));
    const hashAfter = (
      await db()
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', customerId)
        .executeTakeFirstOrThrow()
    ).password_hash;
    assert.equal(hashAfter, hashBefore, 'password unchanged');
    assert.equal((await customer.get('/fr/admin')).statusCode, 200);

    // Withdrawn invitation: its link stops working.
    await regionAdmin.submit('/fr/admin/operateurs', { email: 'retire@example.org', role: 'region_admin' });
    const wlink = linkIn((await lastMail('retire@example.org'))!.text_body);
    const inv = await db()
      .selectFrom('account_invitations')
      .select('id')
      .where('email', '=', 'retire@example.org')
      .executeTakeFirstOrThrow();
    const page = await regionAdmin.get('/fr/admin/operateurs');
    const w = await regionAdmin.post(`/fr/admin/operateurs/invitations/${inv.id}/withdraw`, {
      _csrf: csrfFrom(page.body),
    });
    assert.equal(w.statusCode, 200);
    assert.doesNotMatch(w.body, new RegExp(`data-invitation="${inv.id}"`));
    const dead = await new Agent(p.app, '10.1.0.12').get(`${wlink.pathname}${wlink.search}`);
    assert.equal(dead.statusCode, 400);
    assert.match(dead.body, /a été annulée/);
  });

  test('comptoir merchant create --email invites the owner to the back-office', async () => {
    const res = cli([
      'merchant',
      'create',
      '--name',
      'Quincaillerie Proulx',
      '--address',
      '5 rue Main',
      '--lat',
      '45.43',
      '--lng',
      '-75.71',
      '--email',
      'proprio@example.org',
      '--json',
    ]);
    assert.equal(res.status, 0, res.stderr);
    const out = JSON.parse(res.stdout);
    assert.equal(out.invitation_sent, true);
    const mail = await lastMail('proprio@example.org');
    assert.ok(mail);
    assert.equal(mail.kind, 'owner_invitation');
    assert.match(mail.text_body, /Quincaillerie Proulx/);
    const link = linkIn(mail.text_body);
    const owner = new Agent(p.app, '10.1.0.13');
    const form = await owner.get(`${link.pathname}${link.search}`);
    assert.equal(form.statusCode, 200);
    const done = await owner.post(link.pathname, {
      _csrf: csrfFrom(form.body),
      token: link.searchParams.get('token')!,
      name: 'Paul Proulx',
      password: PW,
      confirm: PW,
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.ok(hrefs(done.body).includes('/fr/marchand'));
    const roles = await db()
      .selectFrom('user_roles as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.role', 'r.merchant_id'])
      .where('u.email', '=', 'proprio@example.org')
      .execute();
    assert.deepEqual(
      roles.map((x) => [x.role, x.merchant_id]),
      [['merchant_owner', out.merchant_id]],
    );
    const bo = await owner.get('/fr/marchand');
    assert.ok(bo.statusCode === 200 || bo.statusCode === 303, String(bo.statusCode));
    if (bo.statusCode === 303) assert.match(String(bo.headers.location), /^\/fr\/marchand\//);

    // Without --email: no invitation, and the output says so.
    const plain = cli([
      'merchant',
      'create',
      '--name',
      'Sans Courriel',
      '--address',
      '6 rue Main',
      '--lat',
      '45.43',
      '--lng',
      '-75.71',
      '--json',
    ]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout).invitation_sent, false);
  });

  test('CLI help: --help exits 0 with usage on stdout, each command its own text', () => {
    const top = cli(['--help']);
    assert.equal(top.status, 0);
    assert.match(top.stdout, /^comptoir — /);
    assert.match(top.stdout, /Usage: comptoir <command>/);
    assert.equal(top.stderr, '');
    // Every command has its own text (checked in process: each spawn costs seconds on a busy machine).
    const cmds = [
      'start',
      'serve',
      'migrate',
      'seed',
      'merchant',
      'admin',
      'region',
      'towns',
      'backup',
      'copy',
    ];
    for (const cmd of cmds) assert.match(commandHelp(cmd) ?? '', new RegExp(`^Usage: comptoir ${cmd}`), cmd);
    assert.equal(new Set(cmds.map(commandHelp)).size, cmds.length, 'one text per command');
    // ...and the command line prints it, for a command, a sub-command or `help <command>`.
    for (const args of [
      ['merchant', 'create', '--help'],
      ['region', 'set', '--help'],
      ['towns', '-h'],
      ['help', 'copy'],
    ]) {
      const res = cli(args);
      assert.equal(res.status, 0, args.join(' '));
      assert.equal(res.stdout, `${commandHelp(args[0] === 'help' ? args[1] : args[0])}\n`, args.join(' '));
    }
    assert.match(
      commandHelp('region') ?? '',
      /--name NAME \[--name-en NAME\] --centre LAT,LNG \[--bounds S,W,N,E\]/,
    );
    assert.match(commandHelp('region') ?? '', /\[--timezone TZ\] \[--radius-km N\] \[--json\]/);
    assert.match(
      commandHelp('towns') ?? '',
      /comptoir towns import FILE \[--json\][\s\S]*name,lat,lng\[,postal_prefixes\]/,
    );
  });

  test('CLI: an unknown command exits 2 with the usage on stderr', () => {
    const res = cli(['frobnicate']);
    assert.equal(res.status, 2);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /^comptoir: Unknown command: frobnicate\n/);
    assert.match(res.stderr, /Usage: comptoir <command>/);
    const none = cli([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /Usage: comptoir <command>/);
  });

  test('CLI: copy to a missing or non-empty target prints one line, no stack trace, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'comptoir-copy-'));
    try {
      const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      const missing = new URL(base);
      missing.pathname = `/comptoir_missing_${process.pid}`;
      missing.search = '';
      const res = cli(['copy', '--to', missing.toString()], { DATA_DIR: dir, DATABASE_URL: '' });
      assert.equal(res.status, 1, res.stderr);
      const lines = res.stderr.trim().split('\n');
      assert.equal(lines.length, 1, res.stderr);
      assert.match(lines[0], /^comptoir: /);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
      assert.match(lines[0], /does not exist|cannot reach/);
      if (TEST_DB_KIND === 'postgres') {
        // The test schema already holds a region.
        const full = cli(['copy', '--to', p.testDb.childEnv.DATABASE_URL], {
          DATA_DIR: dir,
          DATABASE_URL: '',
        });
        assert.equal(full.status, 1, full.stderr);
        assert.equal(full.stderr.trim().split('\n').length, 1, full.stderr);
        assert.match(full.stderr, /^comptoir: .*already holds merchants/);
      }
      const usage = cli(['copy', '--to', 'mysql://x'], { DATA_DIR: dir, DATABASE_URL: '' });
      assert.equal(usage.status, 2);
      assert.equal(usage.stderr.trim().split('\n').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
