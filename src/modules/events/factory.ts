import type { Database } from '../../db/database.ts';
import { type EventBus, InProcessEventBus } from './index.ts';

/** Picks the event bus for this deployment: in-process on SQLite (one instance). */
export async function createEventBus(_database: Database): Promise<EventBus> {
  return new InProcessEventBus();
}
