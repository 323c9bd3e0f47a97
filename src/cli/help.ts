/**
 * Usage texts of the `comptoir` command line, and the one-line form of an error. `comptoir --help`
 * prints USAGE; `comptoir <command> --help` (or `comptoir help <command>`) prints that command's text.
 */

export const USAGE = `comptoir — the region's buy-local marketplace

Usage: comptoir <command> [options]   (add --json for JSON output)

  start                        migrate, seed the demo region if the database is empty, serve
  serve                        migrate and serve (never seeds)
  migrate                      apply database migrations
  seed --demo [--merchants N] [--products N] [--seed S]
                               deterministic demo region (Outaouais)
  merchant create --name NAME --address ADDR --lat LAT --lng LNG
                  [--neq NEQ] [--association SLUG]... [--municipality M] [--email E]
                               approved merchant + store location + API key
                               (--email: the owner is invited to the back-office by email)
  admin create --email E --password P --role region_admin|association_admin|funder
               [--association SLUG]
  region set --name NAME --centre LAT,LNG [...]
                               the region's name, map centre, bounds, time zone
  towns import FILE            load towns from a CSV file (name,lat,lng[,postal_prefixes])
  reindex                      rebuild the search index from the catalogue (server stopped)
  backup --to FILE             consistent online backup of the embedded database
  copy --to postgres://...     move the region from the embedded database to an empty PostgreSQL

\`comptoir <command> --help\` describes one command.
Exit status: 0 done, 1 error (one line on stderr), 2 wrong usage.
Environment: PORT (3000), HOST (127.0.0.1), DATABASE_URL (unset = SQLite in DATA_DIR, default ./data),
PUBLIC_URL (links in emails), SMTP_URL (unset = emails only kept in the outbox table)`;

const DB_ENV = 'Database: DATABASE_URL (PostgreSQL), else the SQLite file in DATA_DIR (default ./data).';

/** One usage text per command. */
export const COMMAND_HELP: Record<string, string> = {
  start: `Usage: comptoir start [--json]

Applies the migrations, builds the demo region when the database has no merchant yet
(DEMO_MERCHANTS, DEMO_PRODUCTS), then serves on HOST:PORT until SIGINT/SIGTERM.
${DB_ENV}`,
  serve: `Usage: comptoir serve [--json]

Applies the migrations and serves on HOST:PORT (never seeds). --json prints {"url","database"}.
${DB_ENV}`,
  migrate: `Usage: comptoir migrate [--json]

Applies the pending database migrations and lists them.
${DB_ENV}`,
  seed: `Usage: comptoir seed --demo [--merchants N] [--products N] [--seed S] [--json]

Builds the deterministic demo region (Outaouais) into an empty database.
  --merchants N   number of merchants (default 300)
  --products N    number of products (default 15000)
  --seed S        random seed (default 1); the same seed gives the same region`,
  merchant: `Usage: comptoir merchant create --name NAME --address ADDR --lat LAT --lng LNG
                                [--neq NEQ] [--association SLUG]... [--municipality M]
                                [--email E] [--website URL] [--json]

Creates an approved merchant, its first store location and an API key (printed once).
With --email, the owner gets an invitation by email (a single-use link valid 7 days) to choose a
password and reach the back-office; the output says whether it was sent ("invitation_sent").
Links use PUBLIC_URL (default http://localhost:PORT).`,
  admin: `Usage: comptoir admin create --email E --password P
                             --role region_admin|association_admin|funder [--association SLUG] [--json]

Creates an operator account (association_admin needs --association; a funder only reads the admin
home and the impact report). Region admins can then invite other operators and funders from
/fr/admin/operateurs (/en/admin/operators).`,
  region: `Usage: comptoir region set --name NAME [--name-en NAME] --centre LAT,LNG [--bounds S,W,N,E]
                           [--timezone TZ] [--radius-km N] [--json]

Sets the region: its name (French, and English when different), the map centre, the bounding box
(south, west, north, east), the time zone (e.g. America/Toronto) and the default search radius.`,
  towns: `Usage: comptoir towns import FILE [--json]

Loads towns from a CSV file with the header name,lat,lng[,postal_prefixes]
(postal_prefixes: space-separated first characters of postal codes, e.g. "J8T J8X").`,
  reindex: `Usage: comptoir reindex [--json]

Rebuilds the search index from the catalogue: once after an upgrade whose release notes ask for it
(a change in how product texts become search terms), or to repair the index. Stop the server
first: on the embedded database the command takes the data directory's lock. About 1.5 minutes for
a million products on SQLite.
${DB_ENV}`,
  backup: `Usage: comptoir backup --to FILE [--json]

Writes a consistent copy of the embedded SQLite database to a new FILE while the server runs.
On PostgreSQL use pg_dump or your provider's backups.`,
  copy: `Usage: comptoir copy --to postgres://USER@HOST:PORT/DATABASE [--json]

Copies the whole region from the embedded database (DATA_DIR, DATABASE_URL unset) to an existing,
empty PostgreSQL database, then checks the row counts. Start with DATABASE_URL set to it afterwards.`,
};

/** The usage text for `comptoir <cmd> --help`, or undefined for an unknown command. */
export function commandHelp(cmd: string | undefined): string | undefined {
  return cmd === undefined ? USAGE : COMMAND_HELP[cmd];
}

/**
 * One clear line for an unexpected error (never a stack trace; COMPTOIR_DEBUG=1 prints it):
 * database connection problems are named, other errors keep their own message.
 */
export function errorLine(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[]; address?: string; port?: number };
  const code = e?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    const where = e.address ? ` (${e.address}${e.port ? `:${e.port}` : ''})` : '';
    return `cannot reach the PostgreSQL server${where}: ${code}. Check the host and port of the URL.`;
  }
  if (code === '3D000')
    return `${firstLine(e.message)}: create it first (createdb), then run the command again.`;
  if (code === '28P01' || code === '28000') return `PostgreSQL refused the login: ${firstLine(e.message)}`;
  if (!e?.message && Array.isArray(e?.errors) && e.errors.length) return errorLine(e.errors[0]);
  return firstLine(e?.message) || String(err);
}

const firstLine = (s: string | undefined) => (s ?? '').split('\n')[0].trim();
