/**
 * Architecture check (issue "every module owns its tables"), run by `npm run arch` and CI:
 *
 * 1. SQL lives only in repositories (`*.repository.ts`) and in `src/db/` (migrations, dialects, the
 *    database tools): any Kysely query-builder call, `sql` template or raw SQL string elsewhere fails.
 * 2. A repository writes only the tables its module owns (`src/db/ownership.ts`) and reads other
 *    modules' tables only where its module is a declared read model.
 *
 * Import rules (no module internals from outside, nothing from `src/http` in modules or workflows, no
 * cycles) are dependency-cruiser's job (`.dependency-cruiser.cjs`).
 *
 * Usage: node scripts/check-architecture.ts [--quiet]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readModels, tableOwners } from '../src/db/ownership.ts';

/** One broken rule, with the file and line where it is. */
export interface Violation {
  file: string;
  line: number;
  rule: 'sql-outside-repository' | 'foreign-write' | 'foreign-read';
  detail: string;
}

const QUERY_BUILDER =
  /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|selectNoFrom)\s*\(|\bsql(\s*<[^>]*>)?\s*`|\bsql\.(raw|ref|table|id|lit|join)\s*\(/;
const TABLE_NAMES = Object.keys(tableOwners).join('|');
/** A string that starts like SQL and names a known table: `select ... from orders`, `delete from sessions`. */
const RAW_SQL = new RegExp(
  `['"\`]\\s*(select|insert|update|delete|with)\\s[^'"\`]*\\b(from|join|into|update)\\s+(${TABLE_NAMES})\\b`,
  'i',
);
const BUILDER_TABLE =
  /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|innerJoin|leftJoin|rightJoin|fullJoin)\(\s*['"]([a-z_0-9]+)/g;
const RAW_WRITE = /\b(?:insert\s+into|update|delete\s+from)\s+([a-z_0-9]+)/gi;
const RAW_READ = /\b(?:from|join)\s+([a-z_0-9]+)/gi;
const WRITE_METHODS = new Set(['insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto']);

/** The module a file belongs to: `catalog` for src/modules/catalog/..., `lib/idempotency` for src/lib/idempotency/... */
export function moduleOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'src' && parts[1] === 'modules' && parts.length > 3) return parts[2];
  if (parts[0] === 'src' && parts[1] === 'lib' && parts.length > 3) return `lib/${parts[2]}`;
  return undefined;
}

function isAllowedSqlHome(file: string) {
  return file.endsWith('.repository.ts') || file.startsWith('src/db/');
}

/** Strips comments (keeping line breaks) so prose never counts as SQL. */
function withoutComments(source: string) {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (_m, p: string) => p);
}

function lineAt(source: string, index: number) {
  let line = 1;
  for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

const owners: Record<string, string> = tableOwners;

function mayRead(module: string, table: string) {
  if (owners[table] === module) return true;
  return (readModels[module] ?? []).some((r) => (r.tables as string[]).includes(table));
}

/** Checks one file's source; `file` is its path relative to the project root, with `/`. */
export function checkSource(file: string, source: string): Violation[] {
  const code = withoutComments(source);
  const out: Violation[] = [];
  if (!isAllowedSqlHome(file)) {
    const lines = code.split('\n');
    lines.forEach((text, i) => {
      const m = QUERY_BUILDER.exec(text) ?? RAW_SQL.exec(text);
      if (m)
        out.push({ file, line: i + 1, rule: 'sql-outside-repository', detail: text.trim().slice(0, 120) });
    });
    return out;
  }
  const module = moduleOf(file);
  if (!module) return out; // src/db: the database layer and its tools
  const seen = new Set<string>();
  const report = (index: number, table: string, write: boolean, fromBuilder = false) => {
    if (!(table in owners)) {
      // A new table must be given an owner before anyone writes it.
      if (write && fromBuilder) {
        out.push({
          file,
          line: lineAt(code, index),
          rule: 'foreign-write',
          detail: `writes ${table} (no owner in src/db/ownership.ts)`,
        });
      }
      return;
    }
    const key = `${table}:${write}`;
    if (write ? owners[table] === module : mayRead(module, table)) return;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({
      file,
      line: lineAt(code, index),
      rule: write ? 'foreign-write' : 'foreign-read',
      detail: `${write ? 'writes' : 'reads'} ${table} (owned by ${owners[table]})`,
    });
  };
  for (const m of code.matchAll(BUILDER_TABLE)) report(m.index, m[2], WRITE_METHODS.has(m[1]), true);
  for (const tpl of code.matchAll(
    /\bsql(?:\s*<[^>]*>)?\s*`([^`]*)`|['"]((?:select|insert|update|delete|with)\s[^'"]*)['"]/gi,
  )) {
    const text = tpl[1] ?? tpl[2] ?? '';
    for (const m of text.matchAll(RAW_WRITE)) report(tpl.index, m[1].toLowerCase(), true);
    for (const m of text.matchAll(RAW_READ)) report(tpl.index, m[1].toLowerCase(), false);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Checks every TypeScript file under `src/` of `root`. */
export function checkProject(root: string): Violation[] {
  return tsFiles(join(root, 'src')).flatMap((path) =>
    checkSource(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8')),
  );
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '..');
  const violations = checkProject(root);
  const outside = violations.filter((v) => v.rule === 'sql-outside-repository');
  const ownership = violations.filter((v) => v.rule !== 'sql-outside-repository');
  if (!process.argv.includes('--quiet')) {
    for (const v of violations) console.log(`${v.file}:${v.line}  ${v.rule}  ${v.detail}`);
  }
  const files = new Set(violations.map((v) => v.file)).size;
  console.log(
    `query-builder calls outside repositories and src/db: ${outside.length}; ` +
      `table-ownership violations: ${ownership.length} (${files} files)`,
  );
  if (violations.length > 0) process.exitCode = 1;
}
