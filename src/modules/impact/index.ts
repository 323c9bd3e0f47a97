/**
 * Impact: local impact figures (sales by town, association, month and day, Québec share in sales
 * and in the catalogue, gift cards), report periods in the region's time zone, and campaign
 * figures. A read model: owns no table, reads those listed in src/db/ownership.ts.
 */
export {
  /** `day` moved by n calendar days. */
  addDays,
  /** A custom period from validated days (`to` included). */
  customPeriod,
  /** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
  localDay,
  /** The UTC instant of local midnight starting a day in a time zone. */
  localMidnightUtc,
  /** The period presets offered on the report. */
  PERIOD_PRESETS,
  /** One of PERIOD_PRESETS. */
  type PeriodPreset,
  /** The days of a preset at a given instant, in the region's time zone. */
  presetPeriod,
  /** A report period: local days and the UTC instants it covers. */
  type ReportPeriod,
} from './impact.period.ts';
export type {
  /** A period (ISO 8601, `to` excluded), for the region or one association. */
  ImpactScope,
} from './impact.repository.ts';
export {
  /** Custom period days: real dates, from ≤ to; issues carry `impact_report.*` message keys. */
  customPeriodSchema,
} from './impact.schemas.ts';
export {
  /** A campaign's visits, sales at its merchants during its period and promo-code effect; undefined when unknown. */
  campaignFigures,
  /** What `impactFigures` returns. */
  type ImpactFigures,
  /** The impact figures as CSV (formula-injection safe). */
  impactCsv,
  /** Impact figures of a period, for the region or one association. */
  impactFigures,
  /** The local day (region's time zone) of the scope's first order ("since launch"); undefined without orders. */
  launchDay,
} from './impact.service.ts';
