import type { Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { type Lang, t } from '../i18n/index.ts';
import { ValidationError } from '../lib/errors.ts';
import { publicRegion, type RegionPatch, setRegion } from '../modules/region/index.ts';

/** The options `comptoir region set` reads (parsed by main.ts). */
export interface RegionCliValues {
  name?: string;
  'name-en'?: string;
  centre?: string;
  bounds?: string;
  timezone?: string;
  'radius-km'?: string;
  tagline?: string;
  'tagline-en'?: string;
}

export const REGION_USAGE =
  'Usage: comptoir region set --name NAME [--name-en NAME] --centre LAT,LNG [--bounds S,W,N,E] [--timezone TZ] [--radius-km N] [--tagline T] [--tagline-en T] [--json]';

/** Settings field → the option that sets it, so an error names what the operator typed. */
const FLAG_OF: Record<string, string> = {
  name: '--name',
  name_en: '--name-en',
  centre: '--centre',
  bounds: '--bounds',
  timezone: '--timezone',
  default_radius_km: '--radius-km',
  tagline_fr: '--tagline',
  tagline_en: '--tagline-en',
};

/**
 * `comptoir region set`: validates through the region service (the same rules as the admin page)
 * and prints the region as `GET /api/v1/region` does. Errors are one line on stderr (and the
 * error body on stdout with --json), exit 1 (2 for wrong usage), nothing written.
 */
export async function regionCommand(
  sub: string | undefined,
  values: RegionCliValues,
  opts: { json: boolean; lang: Lang; open: () => Database },
): Promise<number> {
  // Exit 2 for wrong usage, 1 for refused values (the CLI's convention).
  const fail = (code: string, message: string, details?: unknown) => {
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })}\n`,
      );
    process.stderr.write(`comptoir: ${message}\n`);
    return code === 'usage' ? 2 : 1;
  };
  if (sub !== 'set') return fail('usage', REGION_USAGE);
  const missing = (['name', 'centre'] as const).filter((k) => !values[k]?.trim());
  if (missing.length)
    return fail('usage', `${missing.map((k) => `--${k}`).join(', ')}: ${t(opts.lang, 'field.required')}`);
  const patch: RegionPatch = {
    name: values.name,
    name_en: values['name-en'],
    centre: values.centre,
    bounds: values.bounds,
    timezone: values.timezone,
    default_radius_km: values['radius-km'],
    tagline_fr: values.tagline,
    tagline_en: values['tagline-en'],
  };
  const database = opts.open();
  try {
    await migrateToLatest(database.db as never);
    const region = await setRegion(database.db, patch);
    const view = publicRegion(region);
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(view)}\n`
        : `Region “${view.name}” saved: centre ${view.centre.lat}, ${view.centre.lng}; radius ${view.default_radius_km} km; time zone ${view.timezone}.\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const details = err.issues.map((i) => ({
      field: FLAG_OF[i.field.split('.')[0]] ?? i.field,
      message: t(opts.lang, i.message, i.params),
    }));
    return fail('validation_failed', details.map((d) => `${d.field}: ${d.message}`).join('; '), details);
  } finally {
    await database.close();
  }
}
