#!/usr/bin/env node
// Runs the TypeScript CLI on Node >= 24 (type stripping). When the system Node is older,
// re-executes with the Node 24 installed in node_modules by the `node` devDependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (major >= 24) {
  // A server's compile cache (src/serve/start-flags.ts, serverCompileCache), turned on here, before
  // the first TypeScript file: the entry files then come from the cache too and Node never loads
  // its type stripper (≈ 0.1 s of CPU per start; docs/PERFORMANCE.md, issue 19 item 6).
  const cmd = process.argv[2];
  const env = process.env;
  if ((cmd === 'serve' || cmd === 'start') && !env.NODE_DISABLE_COMPILE_CACHE && !env.NODE_COMPILE_CACHE) {
    const dataDir = resolve(env.DATA_DIR ?? './data');
    if (existsSync(dataDir)) enableCompileCache(join(dataDir, '.compile-cache'));
  }
  await import(main);
} else {
  const local = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error('comptoir needs Node.js 24 or later: run `npm install` in the project first.');
    process.exit(1);
  }
  const r = spawnSync(local, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
