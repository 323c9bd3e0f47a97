import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { EventBus } from '../modules/events/index.ts';
import type { Mailer } from '../modules/mail/index.ts';

/** What every route plugin receives: configuration, the database and the event bus. */
export interface AppContext {
  config: Config;
  database: Database;
  events: EventBus;
  mailer: Mailer;
  /** Secret for signed cookies and links (from SESSION_SECRET, or generated per data dir). */
  secret: string;
}
