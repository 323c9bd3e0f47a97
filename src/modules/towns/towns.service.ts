import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, type FieldIssue, ValidationError } from '../../lib/errors.ts';
import {
  insertTown,
  selectTownById,
  selectTownByName,
  selectTowns,
  updateTownRow,
} from './towns.repository.ts';
import { type Town, type TownInput, type TownValues, townInput } from './towns.schemas.ts';

const HEADER = ['name', 'lat', 'lng', 'postal_prefixes'] as const;
/** Large enough for every municipality of a province; guards memory on a wrong file. */
const MAX_ROWS = 5000;

export function listTowns(db: Kysely<DB>): Promise<Town[]> {
  return selectTowns(db);
}

export async function getTown(db: Kysely<DB>, id: number): Promise<Town> {
  const town = await selectTownById(db, id);
  if (!town) throw new AppError('not_found', 'towns.not_found');
  return town;
}

/** The town of that exact name, or undefined (stores and imports refer to towns by name). */
export function findTownByName(db: Kysely<DB>, name: string): Promise<Town | undefined> {
  return selectTownByName(db, name);
}

function validate(input: TownInput): TownValues {
  const r = townInput.safeParse(input);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.map((i) => ({ field: String(i.path[0] ?? 'name'), message: i.message })),
  );
}

/** Adds one town; its name must be new (names are how imports and stores refer to towns). */
export async function createTown(db: Kysely<DB>, input: TownInput): Promise<number> {
  const v = validate(input);
  if (await selectTownByName(db, v.name))
    throw new ValidationError([{ field: 'name', message: 'towns.name_taken' }]);
  return insertTown(db, v);
}

/** Edits one town; renaming onto another town's name is refused. */
export async function updateTown(db: Kysely<DB>, id: number, input: TownInput): Promise<void> {
  await getTown(db, id);
  const v = validate(input);
  const other = await selectTownByName(db, v.name);
  if (other && other.id !== id) throw new ValidationError([{ field: 'name', message: 'towns.name_taken' }]);
  await updateTownRow(db, id, v);
}

/**
 * Reads a towns CSV (`name,lat,lng[,postal_prefixes]`, header required, UTF-8 with or without
 * BOM). Every problem is reported with its line number (header = line 1); no row is returned
 * unless the whole file is valid.
 */
export function parseTownsCsv(text: string): TownValues[] {
  const issue = (
    line: number,
    field: string,
    message: string,
    params: Record<string, string | number> = {},
  ) => ({ field, message, params: { line, ...params } }) satisfies FieldIssue;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const line = Number((err as { lines?: number }).lines) || 1;
    throw new ValidationError([issue(line, 'file', 'towns.csv.unreadable')]);
  }
  if (!records.length) throw new ValidationError([issue(1, 'file', 'towns.csv.empty')]);
  const header = records[0].record.map((h) => h.toLowerCase());
  const expected = header.length === 3 ? HEADER.slice(0, 3) : HEADER;
  if (header.join(',') !== expected.join(','))
    throw new ValidationError([
      issue(records[0].info.lines, 'header', 'towns.csv.header', { expected: HEADER.join(',') }),
    ]);
  if (records.length - 1 > MAX_ROWS)
    throw new ValidationError([issue(1, 'file', 'towns.csv.too_many', { max: MAX_ROWS })]);

  const issues: FieldIssue[] = [];
  const out: TownValues[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length < 3 || record.length > header.length) {
      issues.push(issue(line, 'row', 'towns.csv.columns', { found: record.length, expected: header.length }));
      continue;
    }
    const r = townInput.safeParse({
      name: record[0],
      lat: record[1],
      lng: record[2],
      postal_prefixes: record[3] ?? '',
    });
    if (!r.success) {
      for (const i of r.error.issues) {
        const field = String(i.path[0] ?? 'row');
        const value = record[HEADER.indexOf(field as (typeof HEADER)[number])] ?? '';
        issues.push(issue(line, field, i.message.replace('towns.', 'towns.csv.'), { value }));
      }
      continue;
    }
    const first = seen.get(r.data.name);
    if (first) {
      issues.push(issue(line, 'name', 'towns.csv.duplicate', { first }));
      continue;
    }
    seen.set(r.data.name, line);
    out.push(r.data);
  }
  if (issues.length) throw new ValidationError(issues.slice(0, 50));
  return out;
}

/** Imports a towns CSV: adds new towns and updates existing ones (same name), all or nothing. */
export async function importTowns(
  db: Kysely<DB>,
  text: string,
): Promise<{ created: number; updated: number }> {
  const rows = parseTownsCsv(text);
  return db.transaction().execute(async (trx) => {
    let created = 0;
    let updated = 0;
    for (const row of rows) {
      const existing = await selectTownByName(trx, row.name);
      if (existing) {
        await updateTownRow(trx, existing.id, row);
        updated++;
      } else {
        await insertTown(trx, row);
        created++;
      }
    }
    return { created, updated };
  });
}

/** `importTowns` on a file path (the CLI and the demo seed). */
export async function importTownsFile(db: Kysely<DB>, path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // The path the operator gave cannot be read: a translated error naming it (the CLI shows it).
    throw new ValidationError([{ field: 'file', message: 'towns.csv.no_file', params: { path } }]);
  }
  return importTowns(db, text);
}
