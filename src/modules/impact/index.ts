/**
 * Impact: local impact figures (sales by town, association and day, Québec share, gift cards) and
 * campaign figures. A read model: owns no table, reads those listed in src/db/ownership.ts.
 */
export type {
  /** A period (ISO 8601, `to` excluded), for the region or one association. */
  ImpactScope,
} from './impact.repository.ts';
export {
  /** A campaign's visits, sales at its merchants during its period and promo-code effect; undefined when unknown. */
  campaignFigures,
  /** What `impactFigures` returns. */
  type ImpactFigures,
  /** The impact figures as CSV (formula-injection safe). */
  impactCsv,
  /** Impact figures of a period, for the region or one association. */
  impactFigures,
} from './impact.service.ts';
