/**
 * The region this deployment serves: its identity (names, tagline, logo, brand colours), its
 * geography (centre, bounds, default search radius), its time zone, contact and legal pages.
 * Public API of the module; the settings are set with `comptoir region set` or /fr/admin/region.
 */
import './region.tables.ts';

/** The stored settings row. */
export type { RegionRow } from './region.repository.ts';
export {
  /** WCAG contrast ratio between two colours. */
  contrastRatio,
  /** True for an IANA time zone name. */
  isTimeZone,
  /** The least contrast accepted for text colours. */
  MIN_TEXT_CONTRAST,
  /** zod schema of `GET /api/v1/region`'s answer (OpenAPI). */
  publicRegionSchema,
  /** A partial change of the settings. */
  type RegionPatch,
  /** The full settings. */
  type RegionSettings,
  /** zod schema of the full settings. */
  regionSettingsSchema,
} from './region.schemas.ts';
export {
  /** A south-west/north-east box. */
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
  /** What `publicRegion` returns. */
  type PublicRegion,
  /** The JSON view served by `GET /api/v1/region` and printed by `comptoir region set --json`. */
  publicRegion,
  /** How long the settings stay cached. */
  REGION_TTL_MS,
  /** The settings as the app uses them. */
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

export {
  /** The visible category taxonomy in display order (the catalog module's; kept here for the home page). */
  listCategories,
  /** Region counts shown on the home page: approved merchants and active products. */
  regionStats,
} from './region-home.service.ts';
