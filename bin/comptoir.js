#!/usr/bin/env node
// Runs the TypeScript CLI on Node >= 24 (type stripping). When the system Node is older,
// re-executes with the Node 24 installed in node_modules by the `node` devDependency.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (major >= 24) {
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
