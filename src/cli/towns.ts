import { resolve } from 'node:path';
import type { Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { type Lang, t } from '../i18n/index.ts';
import { ValidationError } from '../lib/errors.ts';
import { importTownsFile } from '../modules/towns/index.ts';

export const TOWNS_USAGE =
  'Usage: comptoir towns import FILE [--json]   (CSV: name,lat,lng[,postal_prefixes])';

/**
 * `comptoir towns import FILE [--json]`: adds or updates the region's towns from a CSV through the
 * towns service (the same rules as /fr/admin/villes), all or nothing. A bad file prints one line
 * per problem, each naming its line number (header = line 1), exits 2 and imports nothing.
 * `args` are the words after `towns` (options already read by main.ts).
 */
export async function townsCommand(
  args: string[],
  opts: { json: boolean; lang: Lang; open: () => Database },
): Promise<number> {
  const fail = (code: string, message: string, details?: unknown) => {
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })}\n`,
      );
    process.stderr.write(`comptoir: ${message}\n`);
    return 2;
  };
  const [sub, file, ...extra] = args.filter((a) => !a.startsWith('--'));
  if (sub !== 'import' || !file || extra.length) return fail('usage', TOWNS_USAGE);
  const path = resolve(file);
  const database = opts.open();
  try {
    await migrateToLatest(database.db as never);
    const r = await importTownsFile(database.db, path);
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ file: path, ...r })}\n`
        : `Towns imported from ${path}: ${r.created} added, ${r.updated} updated.\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const details = err.issues.map((i) => ({
      ...(i.params?.line ? { line: Number(i.params.line) } : {}),
      field: i.field,
      message: t(opts.lang, i.message, i.params),
    }));
    return fail('validation_failed', details.map((d) => d.message).join('\ncomptoir: '), details);
  } finally {
    await database.close();
  }
}
