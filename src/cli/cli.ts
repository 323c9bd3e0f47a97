import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, publicBaseUrl } from '../config.ts';
import { DataDirLockedError, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { t } from '../i18n/index.ts';
import { AppError, ValidationError } from '../lib/errors.ts';
import { collectStartupGarbage } from '../lib/heap.ts';
import { createOperator, inviteAccount } from '../modules/accounts/index.ts';
import { createMailer } from '../modules/mail/index.ts';
import { hasAnyMerchant } from '../modules/merchants/index.ts';
import { createMerchant } from '../modules/onboarding/index.ts';
import { getRegion } from '../modules/region/index.ts';
import {
  catalogMemory,
  factsSnapshotPath,
  prefetchFactsSnapshot,
  useFactsSnapshot,
  warmTextHitsInBackground,
} from '../modules/search/index.ts';
import {
  applyServerHeapSettings,
  isClusterWorker,
  runWorker,
  serveCluster,
  workerCount,
} from '../serve/cluster.ts';
import { factsPrefetch } from '../serve/facts-prefetch.ts';
import { createPlatform, startMark } from '../server.ts';
import { COMMAND_HELP, commandHelp, errorLine, USAGE } from './help.ts';
import { progressBar } from './progress.ts';
import { regionCommand } from './region.ts';
import { townsCommand } from './towns.ts';

/** The general usage text (per-command texts are in help.ts). */
const HELP = USAGE;

class UsageError extends Error {}
/** Exit 2 with the general usage on stderr. */
class UnknownCommandError extends UsageError {
  constructor(cmd: string) {
    super(`Unknown command: ${cmd}`);
  }
}

function out(json: boolean, value: unknown, text: string) {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, sub] = argv;
  // Help comes before option parsing: a command's own options are not all known here.
  if (cmd === 'help' || argv.includes('--help') || argv.includes('-h')) {
    const topic = cmd === 'help' ? sub : cmd?.startsWith('-') ? undefined : cmd;
    const text = commandHelp(topic);
    if (!text) throw new UnknownCommandError(topic ?? '');
    process.stdout.write(`${text}\n`);
    return 0;
  }
  if (!cmd) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  if (!Object.hasOwn(COMMAND_HELP, cmd)) throw new UnknownCommandError(cmd);
  // `--lng -75.7`: parseArgs reads "-75.7" as an option; join negative numbers to their flag.
  // `towns import FILE`: towns.ts reads the positionals; only options after them are parsed here.
  const skip = cmd === 'towns' ? 3 : cmd === 'merchant' || cmd === 'admin' || cmd === 'region' ? 2 : 1;
  const rest = joinNegativeNumbers(argv.slice(skip));
  const { values } = parseArgs({
    args: rest,
    allowPositionals: false,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
      merchants: { type: 'string' },
      products: { type: 'string' },
      seed: { type: 'string' },
      name: { type: 'string' },
      address: { type: 'string' },
      municipality: { type: 'string' },
      lat: { type: 'string' },
      lng: { type: 'string' },
      neq: { type: 'string' },
      email: { type: 'string' },
      website: { type: 'string' },
      association: { type: 'string', multiple: true },
      password: { type: 'string' },
      role: { type: 'string' },
      to: { type: 'string' },
      // region set
      'name-en': { type: 'string' },
      centre: { type: 'string' },
      bounds: { type: 'string' },
      timezone: { type: 'string' },
      'radius-km': { type: 'string' },
      tagline: { type: 'string' },
      'tagline-en': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const json = values.json ?? false;
  const config = loadConfig();
  // Servers, migrations and bulk seeding hold the data-directory lock (one writer process); short
  // operator commands (merchant/admin create) may run beside a server: SQLite WAL makes that safe.
  const open = (lock = true) =>
    openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, lock });

  switch (cmd) {
    case 'start':
    case 'serve': {
      // A worker forked by the primary below (WEB_CONCURRENCY > 1): serve, nothing else.
      if (isClusterWorker()) {
        await runWorker(config);
        return -1;
      }
      applyServerHeapSettings();
      const database = open();
      startMark('database opened');
      // A one-process server reads its facts snapshot, and builds the browse index's arrays from
      // it, in a worker thread (started by main.ts) while it builds the platform (issue 19); a
      // cluster's workers read theirs.
      const snapshotFile = workerCount(config) === 1 ? factsSnapshotPath(database) : undefined;
      const snapshotRead = snapshotFile
        ? prefetchFactsSnapshot(snapshotFile, factsPrefetch(snapshotFile)).then(() =>
            startMark('facts snapshot read ahead'),
          )
        : undefined;
      await migrateToLatest(database.db as never);
      startMark('migrations checked');
      if (cmd === 'start' && !(await hasAnyMerchant(database.db))) {
        // Imported here: the demo generator and the SQLite->PostgreSQL copy are not a server's
        // code, and a start spends ≈ 0.3 s of CPU less without them (docs/PERFORMANCE.md, issue 19).
        const { seedDemo } = await import('../tools/demo/index.ts');
        const started = Date.now();
        process.stderr.write(
          'Première utilisation : création de la région de démonstration… / First start: building the demo region…\n',
        );
        const r = await seedDemo(database, {
          merchants: Number(process.env.DEMO_MERCHANTS ?? 300),
          products: Number(process.env.DEMO_PRODUCTS ?? 15000),
          seed: 1,
          onProgress: progressBar(),
        });
        process.stderr.write(
          `  ${r.merchants} merchants, ${r.products} products in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      }
      const workers = workerCount(config);
      if (workers > 1) {
        // One process per core (docs/decisions/0008): this one keeps the lock and the workers.
        // It prints "Comptoir is running: URL/fr  (KIND, N workers)" (or the JSON object) itself.
        serveCluster(database, workers, { json });
        return -1;
      }
      const platform = await createPlatform(config, {
        database,
        backgroundCheckpoints: true,
        logStalls: true,
      });
      // Done long before the build is (34.7 MB at 1M products). Awaited before listening, so the
      // warm-up below still starts in the tick listening does: /readyz never answers 200 before it.
      await snapshotRead;
      const address = await platform.app.listen({ port: config.PORT, host: config.HOST });
      startMark('listening');
      const url = address.replace('://127.0.0.1', '://localhost');
      out(json, { url, database: database.kind }, `Comptoir is running: ${url}/fr  (${database.kind})`);
      // Warm the search memory in the background so the first search does not pay for it, from
      // the snapshot in the data directory when it is still valid (SQLite).
      useFactsSnapshot(database, { write: true, log: platform.app.log });
      catalogMemory(database)
        .then(() => {
          startMark('facts ready');
          // Before /readyz says ready (≈ 50–90 ms at 1M products): the pause then holds no shopper.
          collectStartupGarbage();
          startMark('startup garbage collected');
          // After /readyz says ready, in the background: the lists shoppers most likely ask first.
          void warmTextHitsInBackground(database, config.SEARCH_WARM_UP_SECONDS, platform.app.log, 1000);
        })
        .catch((err) => platform.app.log.warn({ err }, 'search warm-up failed'));
      const stop = async () => {
        await platform.close();
        await database.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return -1;
    }
    case 'migrate': {
      const database = open();
      const applied = await migrateToLatest(database.db as never);
      await database.close();
      out(json, { applied }, applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
      return 0;
    }
    case 'seed': {
      if (!values.demo) throw new UsageError('seed needs --demo (the only generator available).');
      const merchants = intArg(values.merchants, 'merchants', 300, 1, 1_000_000);
      const products = intArg(values.products, 'products', 15000, 0, 50_000_000);
      const seed = intArg(values.seed, 'seed', 1, 0, 2 ** 31);
      const database = open();
      await migrateToLatest(database.db as never);
      const { isEmpty, seedDemo } = await import('../tools/demo/index.ts');
      if (!(await isEmpty(database))) {
        await database.close();
        throw new UsageError('The database already has merchants; seed a fresh DATA_DIR or database.');
      }
      const r = await seedDemo(database, {
        merchants,
        products,
        seed,
        onProgress: json ? undefined : progressBar(),
      });
      await database.close();
      out(
        json,
        r,
        `Seeded ${r.associations} associations, ${r.merchants} merchants, ${r.locations} locations, ${r.products} products in ${r.seconds.toFixed(1)} s`,
      );
      return 0;
    }
    case 'reindex': {
      const database = open();
      await migrateToLatest(database.db as never);
      const started = Date.now();
      const { rebuildSearchIndex } = await import('../modules/search/index.ts');
      const products = await rebuildSearchIndex(database, json ? undefined : progressBar());
      await database.close();
      const seconds = (Date.now() - started) / 1000;
      out(
        json,
        { products, seconds },
        `Search index rebuilt: ${products} products in ${seconds.toFixed(1)} s`,
      );
      return 0;
    }
    case 'merchant': {
      if (sub !== 'create')
        throw new UsageError('Usage: comptoir merchant create --name ... --address ... --lat ... --lng ...');
      for (const k of ['name', 'address', 'lat', 'lng'] as const)
        if (!values[k]) throw new UsageError(`--${k} is required.`);
      const lat = Number(values.lat);
      const lng = Number(values.lng);
      if (!Number.isFinite(lat)) throw new UsageError('--lat must be a number.');
      if (!Number.isFinite(lng)) throw new UsageError('--lng must be a number.');
      const database = open(false);
      await migrateToLatest(database.db as never);
      try {
        const r = await createMerchant(database.db, {
          name: values.name!,
          neq: values.neq,
          email: values.email,
          website: values.website,
          associations: values.association ?? [],
          location: { address: values.address!, municipality: values.municipality, lat, lng },
        });
        // The owner gets a single-use link to choose a password and reach the back-office.
        let invitationSent = false;
        if (values.email) {
          const mailer = createMailer(database.db, { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM });
          try {
            await inviteAccount(
              { db: database.db, mailer },
              {
                email: values.email,
                role: 'merchant_owner',
                merchantId: r.merchant_id,
                lang,
                baseUrl: publicBaseUrl(config),
                regionName: (await getRegion(database.db)).name,
              },
            );
            invitationSent = true;
          } finally {
            mailer.close();
          }
        }
        out(
          json,
          { ...r, invitation_sent: invitationSent },
          `Merchant ${r.slug} created (id ${r.merchant_id}), location ${r.location_code}.\nAPI key (shown once): ${r.api_key}${invitationSent ? `\nOwner invitation sent to ${values.email} (link valid 7 days).` : ''}`,
        );
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'admin': {
      if (sub !== 'create')
        throw new UsageError(
          'Usage: comptoir admin create --email E --password P --role region_admin|association_admin|funder',
        );
      if (!values.email || !values.password || !values.role)
        throw new UsageError('--email, --password and --role are required.');
      if (values.role !== 'region_admin' && values.role !== 'association_admin' && values.role !== 'funder') {
        throw new UsageError('--role must be region_admin, association_admin or funder.');
      }
      const database = open(false);
      await migrateToLatest(database.db as never);
      try {
        const r = await createOperator(database.db, {
          email: values.email,
          password: values.password,
          role: values.role,
          association: values.association?.[0],
        });
        out(json, r, `Operator ${r.email} created (${r.role}).`);
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'backup': {
      if (!values.to) throw new UsageError('--to FILE is required.');
      if (config.DATABASE_URL)
        throw new UsageError(
          'backup copies the embedded database; on PostgreSQL use pg_dump or your provider’s backups.',
        );
      const target = resolve(values.to);
      if (existsSync(target)) throw new UsageError(`${target} already exists; choose a new file.`);
      // A second process may read while the server runs (WAL); VACUUM INTO writes a consistent snapshot.
      const database = openDatabase({ dataDir: config.dataDir, lock: false });
      const started = Date.now();
      database.sqlite!.prepare('VACUUM INTO ?').run(target);
      await database.close();
      out(json, { file: target, seconds: (Date.now() - started) / 1000 }, `Backup written to ${target}`);
      return 0;
    }
    case 'region':
      // A short operator command: may run beside a server (no data-directory lock).
      return regionCommand(sub, values, { json, lang, open: () => open(false) });
    case 'towns':
      // A short operator command: may run beside a server (no data-directory lock).
      return townsCommand(argv.slice(1), { json, lang, open: () => open(false) });
    case 'copy': {
      if (!values.to || !/^postgres(ql)?:\/\//.test(values.to))
        throw new UsageError('--to postgres://... is required.');
      if (config.DATABASE_URL)
        throw new UsageError(
          'copy reads the embedded database: unset DATABASE_URL and pass the target with --to.',
        );
      const source = open();
      const target = openDatabase({ databaseUrl: values.to, dataDir: config.dataDir });
      try {
        const { copySqliteToPostgres } = await import('../db/transfer.ts');
        const r = await copySqliteToPostgres(source, target, json ? undefined : progressBar());
        const rows = r.tables.reduce((n, t) => n + t.rows, 0);
        out(
          json,
          r,
          `Copied ${r.tables.length} tables (${rows} rows) to PostgreSQL in ${r.seconds.toFixed(1)} s. Start with DATABASE_URL set to it.`,
        );
      } finally {
        await source.close();
        await target.close();
      }
      return 0;
    }
    default:
      throw new UsageError(`Unknown command: ${cmd}\n\n${HELP}`);
  }
}

function joinNegativeNumbers(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i].startsWith('--') && !args[i].includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

function intArg(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer between ${min} and ${max}.`);
  return n;
}

function fail(json: boolean, code: string, message: string, details?: unknown, exit = 1): number {
  if (json)
    process.stdout.write(
      `${JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })}\n`,
    );
  process.stderr.write(`comptoir: ${message}\n`);
  return exit;
}

const argv = process.argv.slice(2);
const wantsJson = argv.includes('--json');
const lang = process.env.LANG?.startsWith('en') ? 'en' : 'fr';
main(argv).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    let code: number;
    if (err instanceof ValidationError) {
      const details = err.issues.map((i) => ({ field: i.field, message: t(lang, i.message, i.params) }));
      code = fail(
        wantsJson,
        'validation_failed',
        details.map((d) => `${d.field}: ${d.message}`).join('; '),
        details,
      );
    } else if (err instanceof AppError) code = fail(wantsJson, err.code, t(lang, err.messageKey, err.params));
    else if (err instanceof UnknownCommandError) {
      code = fail(wantsJson, 'usage', err.message, undefined, 2);
      process.stderr.write(`\n${HELP}\n`);
    } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      code = fail(
        wantsJson,
        'usage',
        `${(err as Error).message} (see comptoir ${argv[0] ?? ''} --help)`,
        undefined,
        2,
      );
    else if (err instanceof ConfigError || err instanceof DataDirLockedError)
      code = fail(wantsJson, 'config', err.message.replace(/\n\s*/g, ' '));
    else {
      // One clear line, never a stack trace (COMPTOIR_DEBUG=1 shows it).
      if (process.env.COMPTOIR_DEBUG === '1') console.error(err);
      code = fail(wantsJson, 'error', errorLine(err));
    }
    process.exit(code);
  },
);
