/**
 * The server's bundle (scripts/build-bundle.ts, docs/decisions/0010-server-bundle.md): built from
 * the sources, it migrates an empty database with the migrations it carries, starts, says ready,
 * and answers searches, pages, the API description and assets exactly as the TypeScript it was
 * built from; and bin/comptoir.js runs it only while it is newer than every source file.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildBundle, bundleIsFresh } from '../../scripts/build-bundle.ts';
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../helpers/db.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the tree (dist/ is gitignored): the bundle resolves the packages it leaves out from there.
const outDir = join(root, 'dist', `test-${process.pid}`);
const bundle = join(outDir, 'comptoir.mjs');

/** `node --max-semi-space-size=16 ENTRY serve --json` on `env`; resolves once /readyz said 200. */
async function serve(entry: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--max-semi-space-size=16', entry, 'serve', '--json'],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        INSECURE_COOKIES: '1',
        COMPTOIR_START_FLAGS: '0',
        TILE_URL: 'http://127.0.0.1:9/tiles/{z}/{x}/{y}.png',
        ...env,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(stdout);
      if (m) resolve(m[1]!.replace('://localhost', '://127.0.0.1'));
    });
    void exited.then(() => reject(new Error(`server exited: ${stderr}`)));
  });
  for (let i = 0; ; i++) {
    const status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    if (child.exitCode !== null || i > 2400) throw new Error(`never ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What a client sees of each path: status, content type and body (per-request values masked). */
async function answers(base: string, paths: readonly string[]) {
  const out: Record<string, { status: number; type: string | null; body: string }> = {};
  for (const p of paths) {
    const r = await fetch(base + p, { redirect: 'manual' });
    const body = (await r.text())
      .replace(/nonce="[^"]*"/g, 'nonce=""')
      .replace(/name="_csrf" value="[^"]*"/g, '')
      .replace(/"took_ms":[0-9.]+/g, '"took_ms":0');
    out[p] = { status: r.status, type: r.headers.get('content-type'), body };
  }
  return out;
}

const PATHS = [
  '/readyz',
  '/api/v1/search?q=jeu',
  '/api/v1/search?q=jardin%20qualit%C3%A9&sort=price_asc',
  '/api/v1/search?q=board%20game&page=2',
  '/api/v1/search?q=bloc',
  '/api/v1/search?q=zzzzunknown',
  '/api/v1/search',
  '/fr',
  '/en',
  '/fr/recherche?q=pain',
  '/en/search?q=cheese',
  '/api/v1/openapi.json',
  '/api/docs/',
  '/static/img/cat/jouets-et-jeux.svg',
  '/nowhere',
] as const;

describe('the server bundle', () => {
  let tdb: TestDatabase;
  before(async () => {
    // Unmigrated: the bundle's first start applies the migrations it carries.
    tdb = await createTestDatabase({ migrate: false });
    await buildBundle(bundle);
  });
  after(async () => {
    await tdb?.cleanup();
    rmSync(outDir, { recursive: true, force: true });
  });

  test('migrates, starts, and answers as the TypeScript does', async (t) => {
    const env = { ...tdb.childEnv, SESSION_SECRET: 'b'.repeat(48) };
    const first = await serve(bundle, env);
    await first.stop();
    const seeded = spawnSync(
      process.execPath,
      ['src/cli/main.ts', 'seed', '--demo', '--merchants', '6', '--products', '300', '--json'],
      { cwd: root, env: { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }, encoding: 'utf8' },
    );
    assert.equal(seeded.status, 0, seeded.stderr);

    const ts = await serve(join(root, 'src/cli/main.ts'), env);
    t.after(() => ts.stop());
    const fromTs = await answers(ts.base, PATHS);
    await ts.stop();
    const bundled = await serve(bundle, env);
    t.after(() => bundled.stop());
    const fromBundle = await answers(bundled.base, PATHS);

    assert.deepEqual(JSON.parse(fromBundle['/readyz']!.body), { status: 'ready', database: TEST_DB_KIND });
    assert.ok(JSON.parse(fromTs['/api/v1/search?q=jeu']!.body).total > 0, 'the demo region sells games');
    for (const p of PATHS.filter((p) => p !== '/nowhere')) assert.equal(fromTs[p]!.status, 200, p);
    for (const p of PATHS) assert.deepEqual(fromBundle[p], fromTs[p], p);
  });

  test('fresh only while newer than every source file (the rule bin/comptoir.js applies)', () => {
    // Times set rather than files edited (the sources are left alone; they may change meanwhile).
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(bundle, later, later);
    assert.equal(bundleIsFresh(bundle), true);
    const longAgo = new Date(Date.UTC(2000, 0, 1));
    utimesSync(bundle, longAgo, longAgo);
    assert.equal(bundleIsFresh(bundle), false, 'a bundle older than the sources is stale');
    assert.equal(bundleIsFresh(join(outDir, 'missing.mjs')), false);
  });
});
