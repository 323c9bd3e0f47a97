import type { Database } from '../../db/database.ts';
import { type EventBus, InProcessEventBus } from './bus.ts';
import { PgEventBus } from './pg.ts';

/**
 * Picks the event bus for this deployment: in-process on SQLite (one instance), relayed through
 * LISTEN/NOTIFY on PostgreSQL so that several instances share stock and order events.
 */
export async function createEventBus(database: Database): Promise<EventBus> {
  if (database.kind === 'postgres' && database.pool) return PgEventBus.create(database.pool);
  return new InProcessEventBus();
}
