/**
 * The PostgreSQL event relay never loses its LISTEN connection silently: the loss and each failed
 * reconnection reach its `warn` (the server's log), and it reconnects once the server answers.
 * PostgreSQL only (the relay does not exist on SQLite); it runs whatever DATABASE_URL says.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { createEventBus } from '../../src/modules/events/index.ts';
import { PG_URL, pgReachable } from '../helpers/database-kinds.ts';
import { waitFor } from '../helpers/wait.ts';

test('a lost LISTEN connection and its failed reconnections are logged, then it reconnects', async (t) => {
  if (!(await pgReachable())) return t.skip('PostgreSQL not reachable');
  const app = `comptoir-listen-log-${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: PG_URL, application_name: app, max: 2 });
  const warnings: { err: unknown; msg: string }[] = [];
  const bus = await createEventBus({ kind: 'postgres', pool } as never, {
    warn: (err, msg) => warnings.push({ err, msg }),
  });
  const listeners = async () =>
    (
      await pool.query<{ pid: number }>(
        `select pid from pg_stat_activity where application_name = $1 and query like 'LISTEN %'`,
        [app],
      )
    ).rows;
  try {
    const [listener] = await listeners();
    assert.ok(listener, 'the relay LISTENs on its own connection');
    // Every reconnection goes to a closed port until the server is "back".
    const options = pool.options as { connectionString: string };
    options.connectionString = PG_URL.replace(/:\d+\//, ':1/');
    await pool.query('select pg_terminate_backend($1)', [listener.pid]);
    await waitFor(() => warnings.some((w) => /reconnection failed/.test(w.msg)), {
      what: 'a failed reconnection logged',
    });
    assert.match(warnings[0]?.msg ?? '', /LISTEN connection lost/);
    assert.ok(warnings[0]?.err instanceof Error, 'the loss is logged with its error');
    const failed = warnings.find((w) => /reconnection failed/.test(w.msg));
    assert.match(failed?.msg ?? '', /next try in \d+ ms/);
    assert.ok(failed?.err instanceof Error, 'the failure is logged with its error');
    options.connectionString = PG_URL;
    await waitFor(async () => (await listeners()).length === 1, {
      timeoutMs: 10_000,
      what: 'the relay to LISTEN again',
    });
  } finally {
    await bus.close();
    await pool.end();
  }
});

test('a failed NOTIFY is logged; local subscribers still get the event', async (t) => {
  if (!(await pgReachable())) return t.skip('PostgreSQL not reachable');
  const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
  const warnings: { err: unknown; msg: string }[] = [];
  const bus = await createEventBus({ kind: 'postgres', pool } as never, {
    warn: (err, msg) => warnings.push({ err, msg }),
  });
  const query = pool.query.bind(pool);
  try {
    const seen: unknown[] = [];
    bus.subscribe('stock', (e) => {
      seen.push(e);
    });
    // The database refuses the NOTIFY (the relay's only statement on publish).
    pool.query = (() => Promise.reject(new Error('connection refused'))) as never;
    await bus.publish('stock', { product_id: 1, location_id: 2, available: 3 } as never);
    await bus.settled();
    assert.equal(seen.length, 1, 'this instance still has the event');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.msg, /NOTIFY failed, other instances miss 1 event$/);
    assert.ok(warnings[0]!.err instanceof Error);
  } finally {
    pool.query = query;
    await bus.close();
    await pool.end();
  }
});
