// The trees an in-process search bench answers with: this checkout and, with --baseline, another
// checkout of the project (the code before a change), each with its own search modules, loaded as
// a server loads them. One definition, so that the benches comparing two trees prepare them alike.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Database } from '../src/db/database.ts';
import type { search } from '../src/modules/search/search.service.ts';
import { quietLog } from './cli.ts';

/** `search()` of the checkout at `baseline` (its own modules), or undefined without one. */
export async function baselineSearch(baseline: string | undefined): Promise<typeof search | undefined> {
  if (!baseline) return undefined;
  const url = pathToFileURL(resolve(baseline, 'src/modules/search/search.service.ts')).href;
  return ((await import(url)) as { search: typeof search }).search;
}

/**
 * Prepares this checkout's search modules, then `baseline`'s, as a server does: the facts from the
 * snapshot and the text index from its file (else the first text match starts a 30 s index build
 * in a thread, FTS5 answering meanwhile, and the figures measure that); nothing is written. Says
 * on stderr which tree has no text index on SQLite. Returns each tree's path and a loader of its
 * search modules (`mod('hit-cache.ts')`).
 */
export async function servingTrees(database: Database, baseline: string | undefined) {
  const trees = [];
  for (const tree of [resolve(import.meta.dirname, '..'), ...(baseline ? [resolve(baseline)] : [])]) {
    const mod = (path: string) => import(pathToFileURL(resolve(tree, 'src/modules/search', path)).href);
    await mod('index.ts'); // registers the text index file's hook
    const memory = await mod('memory.ts');
    memory.useFactsSnapshot(database, { write: false, log: quietLog });
    await memory.catalogMemory(database);
    const index = await (await mod('text-index-state.ts')).textIndexBuilt(database);
    if (!index && database.kind === 'sqlite') console.error(`${tree}: no text index (FTS5 answers)`);
    trees.push({ tree, mod });
  }
  return trees;
}
