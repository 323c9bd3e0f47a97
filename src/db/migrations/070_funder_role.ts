import { type Kysely, sql } from 'kysely';
import { dialectOf } from './helpers.ts';

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
  else await rebuildSqlite(db, (ddl) => swap(swap(ddl, ROLE_OLD, ROLE_NEW), SCOPE_OLD, SCOPE_NEW));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The old checks cannot hold a funder: their roles and pending invitations go first.
  await sql`delete from user_roles where role = 'funder'`.execute(db);
  await sql`delete from account_invitations where role = 'funder'`.execute(db);
  if (dialectOf(db) === 'postgres') await postgresChecks(db, false);
  else await rebuildSqlite(db, (ddl) => swap(swap(ddl, ROLE_NEW, ROLE_OLD), SCOPE_NEW, SCOPE_OLD));
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

function swap(ddl: string, from: string, to: string): string {
  if (!ddl.includes(from)) throw new Error(`070_funder_role: "${from}" not found in ${ddl}`);
  return ddl.replace(from, to);
}

/** SQLite's documented table rebuild (as 036, 066 and 067 do): a CHECK cannot change in place. */
async function rebuildSqlite(db: Kysely<unknown>, change: (ddl: string) => string) {
  const { rows } = await sql<{ type: string; sql: string | null }>`
    select type, sql from sqlite_master where tbl_name = 'user_roles'`.execute(db);
  const create = rows.find((r) => r.type === 'table')?.sql ?? '';
  const ddl = change(create).replace(/^CREATE TABLE\s+"?user_roles"?/i, 'CREATE TABLE "user_roles_rebuild"');
  const indexes = rows.filter((r) => r.type !== 'table' && r.sql).map((r) => r.sql as string);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(ddl).execute(db);
      await sql.raw('insert into "user_roles_rebuild" select * from "user_roles"').execute(db);
      await sql.raw('drop table "user_roles"').execute(db);
      await sql.raw('alter table "user_roles_rebuild" rename to "user_roles"').execute(db);
      for (const s of indexes) await sql.raw(s).execute(db);
      const broken = await sql.raw('pragma foreign_key_check("user_roles")').execute(db);
      if (broken.rows.length) throw new Error('070_funder_role: foreign key check failed');
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
