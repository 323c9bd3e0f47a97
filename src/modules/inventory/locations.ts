/**
 * Store codes and the merchant's default store. Stock rows without `location_code` (POS sync,
 * imports) go to the default store, so adding a store never breaks an integration.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { FieldIssue } from '../../lib/errors.ts';
import './locations.tables.ts';

/** A store code as POS systems and import files carry it: letters, digits, `-`, `_`, `.`. */
export const LOCATION_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/**
 * The default store among a merchant's stores (as listed by `merchantLocations`): the one flagged
 * `is_default`, else the oldest (lowest id); undefined when the merchant has no store.
 */
export function defaultLocationOf<T extends { id: number; is_default?: number }>(
  locations: Iterable<T>,
): T | undefined {
  let oldest: T | undefined;
  for (const l of locations) {
    if (l.is_default === 1) return l;
    if (!oldest || l.id < oldest.id) oldest = l;
  }
  return oldest;
}

/**
 * Problems with a store code typed in the back-office (format, already used by another store of
 * the same merchant), as field issues on `code`; empty when the code can be saved.
 */
export async function locationCodeIssues(
  db: Kysely<DB>,
  merchantId: number,
  locationId: number | undefined,
  code: string,
): Promise<FieldIssue[]> {
  if (!code) return [{ field: 'code', message: 'field.required' }];
  if (!LOCATION_CODE_PATTERN.test(code)) return [{ field: 'code', message: 'location.code_invalid' }];
  let q = db
    .selectFrom('locations')
    .select('id')
    .where('merchant_id', '=', merchantId)
    .where('code', '=', code);
  if (locationId !== undefined) q = q.where('id', '!=', locationId);
  return (await q.executeTakeFirst())
    ? [{ field: 'code', message: 'location.code_taken', params: { code } }]
    : [];
}

/**
 * Sets a store's code and, when `makeDefault`, makes it the merchant's default store (the others
 * lose the flag). Call `locationCodeIssues` first; run both in the caller's transaction.
 */
export async function setLocationCodeAndDefault(
  db: Kysely<DB>,
  merchantId: number,
  locationId: number,
  opts: { code?: string; makeDefault?: boolean },
): Promise<void> {
  if (opts.code)
    await db
      .updateTable('locations')
      .set({ code: opts.code })
      .where('merchant_id', '=', merchantId)
      .where('id', '=', locationId)
      .execute();
  if (opts.makeDefault) {
    // Clear first: the partial unique index allows one flagged store per merchant at any time.
    await db
      .updateTable('locations')
      .set({ is_default: 0 })
      .where('merchant_id', '=', merchantId)
      .where('id', '!=', locationId)
      .execute();
    await db
      .updateTable('locations')
      .set({ is_default: 1 })
      .where('merchant_id', '=', merchantId)
      .where('id', '=', locationId)
      .execute();
  }
}
