/**
 * Open data (docs/OPEN-DATA.md): the approved merchants' public fields as GeoJSON and CSV. A read
 * model: owns no table, reads those listed in src/db/ownership.ts.
 */
export {
  /** The open-data CSV's columns, in order. */
  CSV_COLUMNS,
  /** One published record: a store of an approved merchant, public fields only. */
  type DirectoryRecord,
  /** The approved merchants' public fields, one record per store (optionally one association's active members). */
  merchantDirectory,
  /** A CSV cell a spreadsheet will not run as a formula (leading apostrophe when needed). */
  safeCell,
  /** The directory as CSV (RFC 4180), header row first. */
  toCsv,
  /** The directory as a GeoJSON FeatureCollection, one point per store. */
  toGeoJson,
} from './opendata.service.ts';
