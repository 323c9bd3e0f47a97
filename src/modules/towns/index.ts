/**
 * Towns of the region (table `municipalities`): name, centre and postal areas. They fill the
 * merchant sign-up's town list (a store without a map pin sits at its town's centre) and let
 * search understand "near Aylmer". Operators load them with `comptoir towns import FILE` or
 * edit them at /fr/admin/villes.
 */

/** A town row, and what the forms and imports give for one. */
export type { Town, TownInput } from './towns.schemas.ts';
export {
  /** Adds one town (unique name); throws ValidationError with field issues. */
  createTown,
  /** The town of that exact name, or undefined. */
  findTownByName,
  /** One town by id, or `not_found`. */
  getTown,
  /** Parses and imports a CSV text, all or nothing; returns how many towns were added and updated. */
  importTowns,
  /** `importTowns` on a file path. */
  importTownsFile,
  /** Every town by name. */
  listTowns,
  /** Parses a CSV text into validated rows, or throws ValidationError naming each bad line. */
  parseTownsCsv,
  /** Edits one town. */
  updateTown,
} from './towns.service.ts';
