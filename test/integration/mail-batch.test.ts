import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { lockWaits } from '../../src/db/sqlite-dialect.ts';
import { createMailer, type MailMessage } from '../../src/modules/mail/index.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';

/** A real SMTP receiver (the recipients of each message, in arrival order). */
const received: string[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
      cb();
    });
  },
});

let tdb: TestDatabase;
const db = () => tdb.database.db;
before(async () => {
  tdb = await createTestDatabase();
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
});
after(async () => {
  await tdb?.cleanup();
  await new Promise((r) => smtp.close(() => r(undefined)));
});

const message = (to: string, kind = 'merchant_new_order'): MailMessage => ({
  to,
  subject: `Sujet ${to}`,
  text: `Corps ${to}`,
  lang: 'fr',
  kind,
});
const outbox = (kind: string) =>
  db().selectFrom('outbox').selectAll().where('kind', '=', kind).orderBy('id').execute();

describe(`mailer.sendAll (${TEST_DB_KIND})`, () => {
  it('records every message in the given order, as send would, in one commit', async () => {
    const mailer = createMailer(db(), { from: 'comptoir@example.test' });
    const msgs = [
      message('client@example.test', 'batch_a'),
      message('m1@example.test', 'batch_a'),
      message('m2@example.test', 'batch_a'),
    ];
    const takes = lockWaits.takes;
    const sent = await mailer.sendAll(msgs);
    // SQLite: one write-lock take (the transaction's begin) for the three rows, not three commits.
    if (TEST_DB_KIND === 'sqlite') assert.equal(lockWaits.takes - takes, 1);
    const rows = await outbox('batch_a');
    assert.deepEqual(
      rows.map((r) => [r.to_address, r.subject, r.text_body, r.html_body, r.lang, r.sent_at, r.error]),
      msgs.map((m) => [m.to, m.subject, m.text, null, 'fr', null, null]),
    );
    assert.deepEqual(
      sent,
      rows.map((r) => ({ id: r.id, delivered: false })),
    );
    assert.deepEqual(await mailer.sendAll([]), []);
  });

  it('records all or nothing: a message that cannot be recorded leaves none of the others', async () => {
    const mailer = createMailer(db(), { from: 'comptoir@example.test' });
    const bad = { ...message('m3@example.test', 'batch_b'), to: null as unknown as string };
    await assert.rejects(mailer.sendAll([message('client@example.test', 'batch_b'), bad]));
    assert.equal((await outbox('batch_b')).length, 0);
    // A single message is recorded as send records it.
    const [one] = await mailer.sendAll([message('seul@example.test', 'batch_b')]);
    assert.deepEqual(
      (await outbox('batch_b')).map((r) => [r.id, r.to_address]),
      [[one!.id, 'seul@example.test']],
    );
  });

  it('with SMTP, delivers each recorded message in order and marks it sent', async () => {
    const port = (smtp.server.address() as AddressInfo).port;
    const mailer = createMailer(db(), { from: 'comptoir@example.test', smtpUrl: `smtp://127.0.0.1:${port}` });
    try {
      received.length = 0;
      const to = ['client@example.test', 'm1@example.test', 'm2@example.test'];
      const sent = await mailer.sendAll(to.map((t) => message(t, 'batch_c')));
      assert.deepEqual(received, to);
      const rows = await outbox('batch_c');
      assert.deepEqual(
        sent,
        rows.map((r) => ({ id: r.id, delivered: true })),
      );
      assert.ok(rows.every((r) => r.sent_at !== null && r.error === null));
    } finally {
      mailer.close();
    }
  });
});
