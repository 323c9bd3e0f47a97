import type { Kysely } from 'kysely';

/**
 * The platform fee on card payments as a region setting (issue 15): `region_settings.platform_fee_bps`
 * in basis points (250 = 2,5 %), NULL until the operator sets it (then PLATFORM_FEE_PERCENT, the
 * deployment's initial default, applies). Each captured charge records the rate applied
 * (`payment_ledger.fee_bps`), so a later change never rewrites a past statement or a pending transfer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('region_settings').addColumn('platform_fee_bps', 'integer').execute();
  await db.schema.alterTable('payment_ledger').addColumn('fee_bps', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('payment_ledger').dropColumn('fee_bps').execute();
  await db.schema.alterTable('region_settings').dropColumn('platform_fee_bps').execute();
}
