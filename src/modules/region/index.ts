/**
 * The region this deployment serves: its identity (names, tagline, logo, brand colours), its
 * geography (centre, bounds, default search radius), its time zone, contact and legal pages.
 * Public API of the module; the settings are set with `comptoir region set` or /fr/admin/region.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import './region.tables.ts';

export type { RegionRow } from './region.repository.ts';
export {
  contrastRatio,
  isTimeZone,
  MIN_TEXT_CONTRAST,
  type RegionPatch,
  type RegionSettings,
  regionSettingsSchema,
} from './region.schemas.ts';
export {
  type Bounds,
  /** CSS custom properties (--brand, --brand-dark, --action, --accent) for the layout. */
  brandStyle,
  /** Forget the cached settings after writing the row by another path (tests, seeds). */
  clearRegionCache,
  /** Neutral settings served while no region is configured (name "Comptoir"). */
  DEFAULT_REGION_ROW,
  /** Cached settings (REGION_TTL_MS; cleared at once by this process's own updates). */
  getRegion,
  /** The text of the terms or privacy page in a language (English falls back to French). */
  legalText,
  /** Settings read straight from the database, bypassing the cache. */
  loadRegion,
  type PublicRegion,
  /** The JSON view served by `GET /api/v1/region` and printed by `comptoir region set --json`. */
  publicRegion,
  REGION_TTL_MS,
  type Region,
  /** Changes with every update made by this process; derived caches compare it to reload. */
  regionGeneration,
  /** The region's name in a language (the English name falls back to the French one). */
  regionName,
  /** The home page tagline in a language (English falls back to French). */
  regionTagline,
  /**
   * Validates a partial change (and an optional logo, re-encoded to WebP with sharp) against the
   * merged settings and writes it; on any invalid field nothing changes.
   */
  setRegion,
} from './region.service.ts';

/** Region counts shown on the home page. */
export async function regionStats(db: Kysely<DB>) {
  const [m, p] = await Promise.all([
    db
      .selectFrom('merchants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow(),
  ]);
  return { merchants: Number(m.n), products: Number(p.n) };
}

/** The category taxonomy, in display order. */
export async function listCategories(db: Kysely<DB>) {
  // Hidden categories (catalog module, /fr/admin/categories) are offered nowhere.
  return db.selectFrom('categories').selectAll().where('hidden', '=', 0).orderBy('position').execute();
}
