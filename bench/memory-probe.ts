// Preloaded into a server by bench/server-memory.ts (NODE_OPTIONS=--import): on SIGUSR2 it writes
// the process's own view of its memory — process.memoryUsage(), V8's heap statistics and each heap
// space's committed and used bytes, and the text-hit cache's entries and counted bytes
// (hit-cache.ts hitCacheStats, of the server's own module: the tree it runs from its sources) —
// to $COMPTOIR_MEMORY_PROBE.<pid>.json. Nothing else: a server without the variable is unchanged.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const out = process.env.COMPTOIR_MEMORY_PROBE;
if (out)
  process.on('SIGUSR2', async () => {
    let hitCache: unknown;
    try {
      const url = pathToFileURL(join(process.cwd(), 'src/modules/search/hit-cache.ts')).href;
      hitCache = (await import(url)).hitCacheStats;
    } catch {}
    writeFileSync(
      `${out}.${process.pid}.json`,
      JSON.stringify({
        usage: process.memoryUsage(),
        heap: getHeapStatistics(),
        spaces: getHeapSpaceStatistics(),
        hitCache,
      }),
    );
  });
