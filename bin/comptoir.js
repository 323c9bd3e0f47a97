#!/usr/bin/env node
// Runs the TypeScript CLI on Node >= 24 (type stripping), or for a server start its bundle
// (dist/server/comptoir.mjs) when that is up to date. When the system Node is older, re-executes with the
// Node 24 installed in node_modules by the `node` devDependency.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
// A namespace import: Node 20 has no enableCompileCache, and a named import would not even load there.
import * as nodeModule from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/server/comptoir.mjs', import.meta.url));

/**
 * Whether the server's bundle (scripts/build-bundle.ts, built by `npm start` or `npm run build`) is
 * there and newer than every file and directory under src/, package.json, package-lock.json and the
 * build script (the same rule as bundleIsFresh there): a bundle older than a change to the sources
 * is never run (docs/decisions/0010-server-bundle.md).
 */
function bundleIsFresh() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  const root = fileURLToPath(new URL('../', import.meta.url));
  const newer = (dir) => {
    // Names then stat: cheaper at a process's start than Dirent objects (≈ 3-8 ms for ≈ 540 entries).
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.mtimeMs >= built || (st.isDirectory() && newer(p))) return true;
    }
    return false;
  };
  try {
    for (const f of ['package.json', 'package-lock.json', 'scripts/build-bundle.ts'])
      if (existsSync(join(root, f)) && statSync(join(root, f)).mtimeMs >= built) return false;
    return statSync(join(root, 'src')).mtimeMs < built && !newer(join(root, 'src'));
  } catch {
    return false;
  }
}
if (major >= 24) {
  // A server's compile cache (src/serve/start-flags.ts, serverCompileCache), turned on here, before
  // the first TypeScript file: the entry files then come from the cache too and Node never loads
  // its type stripper (≈ 0.1 s of CPU per start; docs/PERFORMANCE.md, issue 19 item 6).
  const cmd = process.argv[2];
  const env = process.env;
  if ((cmd === 'serve' || cmd === 'start') && !env.NODE_DISABLE_COMPILE_CACHE && !env.NODE_COMPILE_CACHE) {
    const dataDir = resolve(env.DATA_DIR ?? './data');
    if (existsSync(dataDir)) nodeModule.enableCompileCache(join(dataDir, '.compile-cache'));
  }
  // A server starts from its bundle when it is up to date: a few files instead of ≈ 1,080 to load
  // (≈ 0.2 s less of the main thread, 0.3 s of all; docs/decisions/0010-server-bundle.md). Everything
  // else runs the TypeScript.
  await import((cmd === 'serve' || cmd === 'start') && bundleIsFresh() ? bundle : main);
} else {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error('comptoir needs Node.js 24 or later: run `npm install` in the project first.');
    process.exit(1);
  }
  const cmd = process.argv[2];
  const entry = (cmd === 'serve' || cmd === 'start') && bundleIsFresh() ? bundle : main;
  const r = spawnSync(local, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
