import type { Database } from '../../db/database.ts';
import { type EventBus, InProcessEventBus } from './bus.ts';
import type { PgEventBusOptions } from './pg.ts';

/**
 * Picks the event bus for this deployment: in-process on SQLite (one instance), relayed through
 * LISTEN/NOTIFY on PostgreSQL so that several instances share stock and order events
 * (`opts.warn` receives that relay's connection failures).
 */
export async function createEventBus(database: Database, opts: PgEventBusOptions = {}): Promise<EventBus> {
  // Imported here: the pg driver is not loaded by a server on SQLite (docs/PERFORMANCE.md, issue 19).
  if (database.kind === 'postgres' && database.pool)
    return (await import('./pg.ts')).PgEventBus.create(database.pool, opts);
  return new InProcessEventBus();
}
