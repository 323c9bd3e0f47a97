import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { lockWaits } from './db/sqlite-dialect.ts';
import { backgroundCheckpoints, checkpointInBackground } from './db/wal-checkpointer.ts';
import { buildApp } from './http/app.ts';
import type { AppContext } from './http/context.ts';
import { logLoopStalls } from './http/ops/loop-stalls.ts';
import { metrics } from './lib/metrics.ts';
import { passwordResetsSettled } from './modules/accounts/index.ts';
import { createEventBus, type EventBus } from './modules/events/index.ts';
import { createMailer } from './modules/mail/index.ts';
import { type ImageFetchWorker, startImageFetchWorker } from './modules/media/index.ts';
import { attachSearchEvents, stopTextIndexBuild } from './modules/search/index.ts';

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

/** Write-lock waits and background checkpoints of this process, on /metrics (SQLite). */
function sqliteGauges() {
  metrics.gauge(
    'comptoir_db_lock_waits_total',
    'Writes that waited (without blocking) for another process to release the SQLite write lock.',
    () => lockWaits.count,
  );
  metrics.gauge(
    'comptoir_db_lock_wait_seconds_total',
    'Time those writes waited.',
    () => lockWaits.ms / 1000,
  );
  metrics.gauge(
    'comptoir_wal_checkpoints_total',
    'WAL checkpoints done by the background thread.',
    () => backgroundCheckpoints.count,
  );
  metrics.gauge(
    'comptoir_wal_checkpoint_seconds_max',
    'Longest of those checkpoints (in the thread, not on the event loop).',
    () => backgroundCheckpoints.maxMs / 1000,
  );
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
    /**
     * SQLite WAL checkpoints in a thread instead of inside a request's commit (servers);
     * 'other-worker': none here, another worker of the same server runs the thread (13 MB less).
     */
    backgroundCheckpoints?: boolean | 'other-worker';
    /** Log event-loop stalls of 50 ms or more with the request that held the loop (servers). */
    logStalls?: boolean;
  } = {},
): Promise<Platform> {
  const database =
    opts.database ??
    openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, lock: opts.lock ?? true });
  await migrateToLatest(database.db as never);
  startMark('platform: migrations checked');
  // The bus starts before the app: its relay's connection failures go to the app's log once built.
  let log: { warn(obj: object, msg: string): void } | undefined;
  const events =
    opts.events ??
    (await createEventBus(database, {
      warn: (err, msg) =>
        log
          ? log.warn({ err }, msg)
          : process.emitWarning(`${msg}: ${err instanceof Error ? err.message : err}`),
    }));
  // Search keeps catalogue facts in memory; stock and catalogue events keep them current.
  const detachSearch = attachSearchEvents(database, events, {
    warn: (obj, msg) => (log ? log.warn(obj, msg) : process.emitWarning(msg)),
  });
  const mailer = createMailer(database.db, { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM });
  const context: AppContext = { config, database, events, mailer, secret: resolveSecret(config) };
  const app = await buildApp(context, { logger: opts.logger, rateLimitStore: opts.rateLimitStore });
  log = app.log;
  startMark('platform: app built');
  if (opts.logStalls) logLoopStalls(app);
  // The worker with the thread falls back to automatic checkpoints if it fails, and it commits
  // its share of the writes, so the WAL stays bounded without this one checkpointing.
  if (opts.backgroundCheckpoints === 'other-worker') database.sqlite?.exec('PRAGMA wal_autocheckpoint = 0');
  const stopCheckpoints =
    opts.backgroundCheckpoints === true
      ? checkpointInBackground(database, {
          startAfterMs: 2000,
          onError: (err) =>
            app.log.warn({ err }, 'WAL checkpoint thread failed: automatic checkpoints again'),
        })
      : async () => {};
  if (database.kind === 'sqlite') sqliteGauges();
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
      await stopTextIndexBuild(database);
      await events.close();
      mailer.close();
      await stopCheckpoints();
      if (!opts.database) await database.close();
    },
  };
}
