/**
 * A catalog event from another instance whose products cannot be read: the search facts are
 * dropped (read again on the next search) and the failure is written to the log, never lost.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessEventBus } from '../../src/modules/events/index.ts';
import { attachSearchEvents, catalogMemory } from '../../src/modules/search/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
  await seedMiniRegion(t.database.db);
});
after(() => t.cleanup());

test('a catalog reload that fails is logged and the facts are read again on the next use', async () => {
  const first = await catalogMemory(t.database);
  const bus = new InProcessEventBus();
  const warned: { obj: object; msg: string }[] = [];
  const detach = attachSearchEvents(t.database, bus, { warn: (obj, msg) => warned.push({ obj, msg }) });
  try {
    // An id out of every integer range: the products' read fails on either database.
    await bus.publish('catalog', { origin: 'elsewhere', product_ids: [(10n ** 30n) as unknown as number] });
    await bus.settled();
    assert.equal(warned.length, 1);
    assert.match(warned[0]!.msg, /search facts not reloaded/);
    assert.ok((warned[0]!.obj as { err?: unknown }).err instanceof Error);
    assert.notEqual(await catalogMemory(t.database), first, 'dropped: read again');
  } finally {
    detach();
  }
});
