// Round trips to PostgreSQL per search with words (warm: the same searches answered once before),
// counted at the pg pool, on the bench schema. Nothing is written.
//   npx node bench/pg-round-trips.ts [--pg-schema bench_search_1m]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { catalogMemory } from '../src/modules/search/memory.ts';
import { search } from '../src/modules/search/search.service.ts';
import { realisticShopper } from './realistic-queries.ts';

const { values } = parseArgs({
  options: {
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'pg-schema': { type: 'string', default: 'bench_search_1m' },
    searches: { type: 'string', default: '200' },
  },
});
const url = new URL(values.pg!);
url.searchParams.set('options', `-c search_path=${values['pg-schema']},public`);
const database = openDatabase({ databaseUrl: url.toString(), dataDir: '/tmp' });
await catalogMemory(database);
const texts = new Map<string, number>();
let counting = false;
// Kysely runs its statements on clients it checks out of the pool: counted at the client.
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const original = proto.query;
proto.query = function (this: unknown, ...args: unknown[]) {
  const q = args[0] as string | { text: string };
  if (counting) {
    const text = String(typeof q === 'string' ? q : q.text)
      .replace(/\s+/g, ' ')
      .slice(0, 90);
    texts.set(text, (texts.get(text) ?? 0) + 1);
  }
  return original.apply(this, args);
};
let seed = 5;
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const shopper = realisticShopper(random);
const params = Array.from({ length: Number(values.searches) }, () => ({
  q: shopper.text(),
  ...shopper.point(),
  radius_km: shopper.radius(),
}));
for (const p of params) await search(database, p);
counting = true;
for (const p of params) await search(database, p);
console.log(JSON.stringify({ searches: params.length, statements: Object.fromEntries(texts) }, null, 1));
await database.close();
