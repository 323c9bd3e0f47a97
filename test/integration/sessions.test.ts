import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../src/modules/accounts/index.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent } from '../helpers/session.ts';

const PW = 'correct horse battery staple';

describe('account page: signed-in devices', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform();
    await createUser(p.context.database.db, { email: 'devices@example.test', password: PW, verified: true });
    await createUser(p.context.database.db, { email: 'other@example.test', password: PW, verified: true });
  });
  after(() => p.close());

  test('shows how many browsers are signed in and signs out the others, not this one nor another user', async () => {
    const laptop = new Agent(p.app, '10.0.0.1');
    const phone = new Agent(p.app, '10.0.0.2');
    const tablet = new Agent(p.app, '10.0.0.3');
    const someoneElse = new Agent(p.app, '10.0.0.4');
    for (const a of [laptop, phone, tablet]) await a.login('devices@example.test', PW);
    await someoneElse.login('other@example.test', PW);

    const page = await laptop.get('/fr/compte');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-sessions="3"/);
    assert.match(page.body, /Déconnecter mes autres appareils/);

    const done = await laptop.submit('/fr/compte/sessions', {}, '/fr/compte');
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /Vos autres sessions sont fermées \(2\)/);
    assert.match(done.body, /data-sessions="1"/);
    assert.doesNotMatch(done.body, /Déconnecter mes autres appareils/);

    assert.equal((await laptop.get('/fr/compte')).statusCode, 200, 'this browser stays signed in');
    for (const gone of [phone, tablet]) assert.equal((await gone.get('/fr/compte')).statusCode, 303);
    assert.equal((await someoneElse.get('/en/account')).statusCode, 200, 'another user is untouched');
    assert.match((await someoneElse.get('/en/account')).body, /signed in on 1 browser/);
  });

  test('the form needs a CSRF token and a signed-in user', async () => {
    const anonymous = new Agent(p.app, '10.0.0.9');
    const noToken = await anonymous.post('/fr/compte/sessions', {});
    assert.ok([303, 401, 403].includes(noToken.statusCode), String(noToken.statusCode));
    const signedIn = new Agent(p.app, '10.0.0.8');
    await signedIn.login('other@example.test', PW);
    const forged = await signedIn.post('/fr/compte/sessions', {});
    assert.equal(forged.statusCode, 403);
  });
});
