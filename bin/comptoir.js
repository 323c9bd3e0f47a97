#!/usr/bin/env node
// Runs the TypeScript CLI on Node >= 24 (type stripping), or for a server start its bundle
// (dist/server/comptoir.mjs) when that is up to date. When the system Node is older, re-executes with the
// Node 24 installed in node_modules by the `node` devDependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
// A namespace import: Node 20 has no enableCompileCache, and a named import would not even load there.
import * as nodeModule from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIsFresh } from './bundle-fresh.js';

const major = Number(process.versions.node.split('.')[0]);
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/server/comptoir.mjs', import.meta.url));
const root = fileURLToPath(new URL('../', import.meta.url));

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
  await import((cmd === 'serve' || cmd === 'start') && bundleIsFresh(bundle, root) ? bundle : main);
} else {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error('comptoir needs Node.js 24 or later: run `npm install` in the project first.');
    process.exit(1);
  }
  const cmd = process.argv[2];
  const entry = (cmd === 'serve' || cmd === 'start') && bundleIsFresh(bundle, root) ? bundle : main;
  const r = spawnSync(local, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
