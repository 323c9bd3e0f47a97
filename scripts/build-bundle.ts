/**
 * Builds the server's production bundle, dist/server/ (gitignored): src/cli/main.ts and what it
 * imports, src and packages, as ES modules in a small entry (comptoir.mjs: start flags, re-exec,
 * the snapshot's thread) and a few chunks (the CLI's, read once the entry has run), so that
 * `comptoir serve` / `start` loads a handful of files instead of ≈ 1,080 (issue 19 item 6;
 * docs/decisions/0010-server-bundle.md). bin/comptoir.js runs it only when it is newer than every
 * source file, package.json, package-lock.json and this script; tests and development run the
 * TypeScript as before.
 *
 * What stays as in the sources:
 * - `import.meta.url` / `dirname` / `filename` of each source file are rewritten to that file's own
 *   place (relative to the bundle), so every path built from them (migrations, messages, route
 *   files, public/, worker threads started by file) still points into src/ and the worker threads
 *   run their TypeScript unbundled, in their own thread, as before.
 * - The three directory scans that import files by path (route files, message bundles, migrations)
 *   get their files from the bundle (a table made here from the same directories), so that no module
 *   is loaded twice (a route file loaded from src would bring its own copy of every module's state).
 * - Packages loaded lazily or by file (native addons, packages reading their own files) stay outside.
 *
 *     node scripts/build-bundle.ts [--out dist/server/comptoir.mjs] [--if-stale] [--quiet]
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleIsFresh as bundleIsFreshAt } from '../bin/bundle-fresh.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Packages left to Node at run time: native addons, packages that read files next to their own
 * code (static assets) or start threads by file, and those the sources load lazily anyway.
 */
export const EXTERNAL = [
  'sharp',
  '@node-rs/argon2',
  'pg',
  'pg-native',
  'exceljs',
  'stripe',
  'nodemailer',
  '@fastify/swagger-ui',
  'thread-stream',
  'pino-pretty',
];

/** The directories scanned by `import(pathToFileURL(...).href)` at run time, and their files. */
const SCANNED: { file: string; dir: string; match: RegExp }[] = [
  { file: 'src/http/app.ts', dir: 'src/http', match: /\.routes\.ts$/ },
  { file: 'src/i18n/index.ts', dir: 'src/i18n/messages', match: /\.ts$/ },
  { file: 'src/db/migrate.ts', dir: 'src/db/migrations', match: /\.ts$/ },
];
const DYNAMIC_IMPORT = /await import\(pathToFileURL\(([^;]*?)\)\.href\)/g;

function filesUnder(dir: string, match: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...filesUnder(p, match));
    else if (match.test(name)) out.push(p);
  }
  return out;
}

/** Whether `bundle` is up to date (bin/bundle-fresh.js: the rule bin/comptoir.js runs it by). */
export function bundleIsFresh(bundle = join(ROOT, 'dist/server/comptoir.mjs'), root = ROOT): boolean {
  return bundleIsFreshAt(bundle, root);
}

/** Builds the bundle: its entry `out` and its chunks, alone in out's directory (replaced whole). */
export async function buildBundle(
  out = join(ROOT, 'dist/server/comptoir.mjs'),
): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  const esbuild = await import('esbuild');
  const outDir = dirname(out);
  const scanned = new Map(SCANNED.map((s) => [resolve(ROOT, s.file), s]));
  const sourcePlugin = {
    name: 'comptoir-sources',
    setup(build: import('esbuild').PluginBuild) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!args.path.startsWith(join(ROOT, 'src/'))) return undefined;
        let text = readFileSync(args.path, 'utf8');
        const fromBundle = relative(outDir, args.path).split('\\').join('/');
        const self = `new URL(${JSON.stringify(fromBundle)}, import.meta.url)`;
        text = text
          .replaceAll('import.meta.url', `${self}.href`)
          .replaceAll('import.meta.dirname', `__comptoirPath(new URL('./', ${self}))`)
          .replaceAll('import.meta.filename', `__comptoirPath(${self})`);
        const scan = scanned.get(args.path);
        if (scan) {
          const files = filesUnder(scan.dir, scan.match);
          let found = 0;
          text = text.replace(DYNAMIC_IMPORT, (_m, path: string) => {
            found++;
            return `await __comptoirImport(${path})`;
          });
          if (found !== 1)
            throw new Error(`${scan.file}: expected one import(pathToFileURL(…).href), found ${found}`);
          // Static imports: evaluated with the file that scans (all of them are loaded at each start
          // anyway), and no chunk of its own per file.
          const imports = files
            .map(
              (f, i) =>
                `import * as __comptoirScan${i} from ${JSON.stringify(`./${relative(dirname(scan.file), f)}`)};`,
            )
            .join('\n');
          const table = files
            .map((f, i) => `    ${JSON.stringify(f.split('\\').join('/'))}: __comptoirScan${i},`)
            .join('\n');
          text += `
${imports}
// A function, not a constant: the file's top-level code calls __comptoirImport before its end.
function __comptoirScanned(): Record<string, unknown> {
  return {
${table}
  };
}
/** Bundled by scripts/build-bundle.ts: the file's module from the bundle, or from disk if it was added since. */
async function __comptoirImport(path: string): Promise<any> {
  const key = __comptoirRelative(${JSON.stringify(relative(outDir, ROOT).split('\\').join('/') || '.')}, path);
  return __comptoirScanned()[key] ?? import(__comptoirToUrl(path).href);
}
`;
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
  // Built beside its place, then put there by renames: a start sees the old files or the new.
  const tmp = `${outDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { [basename(out, '.mjs')]: join(ROOT, 'src/cli/main.ts') },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    // The entry's own lines (start flags, re-exec, the snapshot's thread) run before the CLI's
    // chunk (its dynamic import) is even read: the process a re-exec replaces parses little.
    splitting: true,
    chunkNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: EXTERNAL,
    plugins: [sourcePlugin],
    // Packages in CommonJS call require(); names and stack traces stay readable (no minifying).
    banner: {
      js: [
        '// Built by scripts/build-bundle.ts from src/cli/main.ts: do not edit (rebuilt when older than src/).',
        "import { createRequire as __comptoirCreateRequire } from 'node:module';",
        "import { fileURLToPath as __comptoirPath, pathToFileURL as __comptoirToUrl } from 'node:url';",
        "import { relative as __comptoirRelativePath, resolve as __comptoirResolve } from 'node:path';",
        'const require = __comptoirCreateRequire(import.meta.url);',
        'const __comptoirRelative = (root, path) => __comptoirRelativePath(__comptoirResolve(__comptoirPath(new URL(root + "/", import.meta.url))), path).split("\\\\").join("/");',
      ].join('\n'),
    },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  if (result.errors.length) throw new Error('bundle failed');
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify(result.metafile));
  const old = `${outDir}.${process.pid}.old`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(tmp, outDir);
  rmSync(old, { recursive: true, force: true });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { bytes, ms: performance.now() - t0 };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'if-stale': { type: 'boolean', default: false },
    },
  });
  const out = values.out ? resolve(values.out) : join(ROOT, 'dist/server/comptoir.mjs');
  if (values['if-stale'] && bundleIsFresh(out)) process.exit(0);
  try {
    await import('esbuild');
  } catch {
    // An install without devDependencies: the server runs its TypeScript, as it always could.
    if (!values.quiet)
      console.error('dist bundle not built (esbuild is not installed): the server runs from src/');
    process.exit(0);
  }
  const { bytes, ms } = await buildBundle(out);
  if (!values.quiet)
    console.log(`dist bundle: ${(bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s`);
}
