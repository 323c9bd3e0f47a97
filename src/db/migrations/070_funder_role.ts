import { type Kysely, sql } from 'kysely';
import { dialectOf, rebuildSqliteTable, replaceOnce } from './helpers.ts';

/**
 * Funders (issue 16): a read-only account kind for the region's funders, who read the admin home
 * and the impact report and nothing else. `user_roles` accepts the role `funder`, region-wide
 * (no merchant or association).
 */
const ROLE_OLD = `check (role in ('customer', 'merchant_owner', 'merchant_staff', 'association_admin', 'region_admin'))`;
const ROLE_NEW = `check (role in ('customer', 'merchant_owner', 'merchant_staff', 'association_admin', 'region_admin', 'funder'))`;
const SCOPE_OLD = `or (role in ('customer', 'region_admin'))`;
const SCOPE_NEW = `or (role in ('customer', 'region_admin', 'funder'))`;
const scopeCheck = (global: string) =>
  `(role in ('merchant_owner', 'merchant_staff') and merchant_id is not null) or (role = 'association_admin' and association_id is not null) or (role in (${global}))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) === 'postgres') await postgresChecks(db, true);
  else
    await rebuildSqliteTable(db, 'user_roles', (ddl) =>
      replaceOnce(replaceOnce(ddl, ROLE_OLD, ROLE_NEW), SCOPE_OLD, SCOPE_NEW),
    );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The old checks cannot hold a funder: their roles and pending invitations go first.
  await sql`delete from user_roles where role = 'funder'`.execute(db);
  await sql`delete from account_invitations where role = 'funder'`.execute(db);
  if (dialectOf(db) === 'postgres') await postgresChecks(db, false);
  else
    await rebuildSqliteTable(db, 'user_roles', (ddl) =>
      replaceOnce(replaceOnce(ddl, ROLE_NEW, ROLE_OLD), SCOPE_NEW, SCOPE_OLD),
    );
}

async function postgresChecks(db: Kysely<unknown>, withFunder: boolean) {
  const roles = `'customer', 'merchant_owner', 'merchant_staff', 'association_admin', 'region_admin'${withFunder ? `, 'funder'` : ''}`;
  const global = `'customer', 'region_admin'${withFunder ? `, 'funder'` : ''}`;
  await sql`alter table user_roles drop constraint user_roles_role_check`.execute(db);
  await sql`alter table user_roles drop constraint user_roles_scope`.execute(db);
  await sql
    .raw(`alter table user_roles add constraint user_roles_role_check check (role in (${roles}))`)
    .execute(db);
  await sql
    .raw(`alter table user_roles add constraint user_roles_scope check (${scopeCheck(global)})`)
    .execute(db);
}
