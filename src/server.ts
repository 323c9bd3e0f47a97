import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import type { AppContext } from './http/context.ts';
import { passwordResetsSettled } from './modules/accounts/index.ts';
import { createEventBus, type EventBus } from './modules/events/index.ts';
import { createMailer } from './modules/mail/index.ts';
import { type ImageFetchWorker, startImageFetchWorker } from './modules/media/index.ts';
import { attachSearchEvents } from './modules/search/index.ts';

/**
 * The signing secret: SESSION_SECRET in production; otherwise generated once and kept in the
 * data directory (never in the repository) so sessions survive restarts in development.
 */
function resolveSecret(config: Config): string {
  if (config.SESSION_SECRET) return config.SESSION_SECRET;
  if (config.NODE_ENV === 'production')
    throw new Error('SESSION_SECRET is required in production (32+ characters).');
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** A step of a server's start, for COMPTOIR_START_TRACE (src/cli/main.ts). */
export const startMark = (step: string) =>
  performance.mark(`comptoir:${step}`, { detail: process.cpuUsage() });

export interface Platform {
  app: FastifyInstance;
  context: AppContext;
  /** Fetches imported image URLs in the background; `images.drain()` waits for the queue (tests). */
  images: ImageFetchWorker;
  close(): Promise<void>;
}

/** Opens the database, applies migrations and builds the app: what `comptoir serve` and tests share. */
export async function createPlatform(
  config: Config,
  opts: {
    database?: Database;
    lock?: boolean;
    logger?: boolean | object;
    /** The event bus to use (a worker of `serve` relays through its primary); default per database. */
    events?: EventBus;
    /** A rate-limit store class for the app (the workers of a multi-process server on SQLite). */
    rateLimitStore?: unknown;
  } = {},
): Promise<Platform> {
  const database =
    opts.database ??
    openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, lock: opts.lock ?? true });
  await migrateToLatest(database.db as never);
  startMark('platform: migrations checked');
  const events = opts.events ?? (await createEventBus(database));
  // Search keeps catalogue facts in memory; stock and catalogue events keep them current.
  const detachSearch = attachSearchEvents(database, events);
  const mailer = createMailer(database.db, { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM });
  const context: AppContext = { config, database, events, mailer, secret: resolveSecret(config) };
  const app = await buildApp(context, { logger: opts.logger, rateLimitStore: opts.rateLimitStore });
  startMark('platform: app built');
  // Pending fetches left by a stopped instance are resumed here (the queue is a table).
  const images = startImageFetchWorker(database.db, {
    dataDir: config.dataDir,
    limits: () => ({
      allowPrivate: config.IMAGE_FETCH_ALLOW_PRIVATE,
      timeoutMs: config.IMAGE_FETCH_TIMEOUT_MS,
      maxBytes: config.IMAGE_FETCH_MAX_BYTES,
      maxRedirects: 3,
    }),
  });
  return {
    app,
    context,
    images,
    async close() {
      await images.stop();
      await app.close();
      // A reset email being prepared after its answer was sent is finished before the mailer closes.
      await passwordResetsSettled();
      detachSearch();
      await events.close();
      mailer.close();
      if (!opts.database) await database.close();
    },
  };
}
