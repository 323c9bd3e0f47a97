/**
 * CPU per call of the repository queries prepared for the merchant page, the stock sync and the API
 * key check (src/db/prepared.ts), against the same query built at each call: same process, same
 * arguments, alternating by rounds, on a copy of a region (the upserts write: a copy).
 *
 *   npx node bench/prepared-repo.ts --data COPY_OF_1M [--rounds 20] [--calls 200]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    data: { type: 'string' },
    rounds: { type: 'string', default: '20' },
    calls: { type: 'string', default: '200' },
  },
});
if (args.help || !args.data) {
  console.log('npx node bench/prepared-repo.ts --data DIR [--rounds 20] [--calls 200]');
  process.exit(args.help ? 0 : 2);
}
const { seededRandom } = await import('./in-process.ts');
const { openDatabase } = await import('../src/db/database.ts');
const inv = await import('../src/modules/inventory/inventory.repository.ts');
const assoc = await import('../src/modules/associations/associations.repository.ts');
const keys = await import('../src/modules/merchants/api-keys.repository.ts');
const database = openDatabase({ dataDir: args.data, lock: false });
const { db } = database;

const { random, pick } = seededRandom();
const levels = await db
  .selectFrom('inventory_levels')
  .select(['product_id', 'location_id'])
  .where('product_id', '<', 200_000)
  .limit(20_000)
  .execute();
const merchants = (
  await db.selectFrom('association_members').select('merchant_id').limit(5000).execute()
).map((r) => r.merchant_id);
const hashes = (await db.selectFrom('api_keys').select('key_hash').limit(100).execute()).map(
  (r) => r.key_hash,
);
while (hashes.length < 20) hashes.push(random().toString(16).slice(2).padEnd(64, '0'));
// The page ids of a merchant page: 24 products (the list's usual length).
const pageIds = () => Array.from({ length: 24 }, () => pick(levels).product_id);
const syncRows = () =>
  Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
    ...pick(levels),
    on_hand: 100 + Math.floor(random() * 100),
  }));

type Case = { name: string; prepared: () => Promise<unknown>; built: () => Promise<unknown> };
const cases: Case[] = [
  {
    name: 'selectAvailableByProduct (24 ids, merchant page)',
    prepared: () => inv.selectAvailableByProduct(db, pageIds()),
    built: () => inv.buildAvailableByProduct(db, pageIds()).execute(),
  },
  {
    name: 'activeAssociationsOfMerchants ([id], merchant page)',
    prepared: () => assoc.activeAssociationsOfMerchants(db, [pick(merchants)]),
    built: () => assoc.buildActiveAssociationsOfMerchants(db, [pick(merchants)]).execute(),
  },
  {
    name: 'findByHash (API key, every merchant API request)',
    prepared: () => keys.findByHash(db, pick(hashes)),
    built: () => keys.buildFindByHash(db, pick(hashes)).executeTakeFirst(),
  },
  {
    name: 'selectLevels (1-5 ids, stock sync)',
    prepared: () =>
      inv.selectLevels(
        db,
        syncRows().map((r) => r.product_id),
      ),
    built: () =>
      inv
        .buildLevels(
          db,
          syncRows().map((r) => r.product_id),
        )
        .execute(),
  },
  {
    name: 'upsertOnHand (1-5 rows, stock sync)',
    prepared: () => db.transaction().execute((trx) => inv.upsertOnHand(trx, syncRows())),
    built: () =>
      db.transaction().execute((trx) => {
        const rows = syncRows();
        const now = new Date().toISOString();
        return inv
          .buildUpsertOnHand(
            trx,
            rows.map(() => now),
            rows.map((r) => r.product_id),
            rows.map((r) => r.location_id),
            rows.map((r) => r.on_hand),
          )
          .execute();
      }),
  },
];
const calls = Number(args.calls);
const cpu = (run: () => Promise<unknown>) => async () => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) await run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / calls; // µs a call
};
const load0 = loadavg()[0] ?? 0;
const out = [];
for (const k of cases) {
  for (let i = 0; i < 3; i++) await Promise.all([k.prepared(), k.built()]); // warm-up
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < Number(args.rounds); r++) {
    // Alternate which goes first.
    if (r % 2) {
      a.push(await cpu(k.prepared)());
      b.push(await cpu(k.built)());
    } else {
      b.push(await cpu(k.built)());
      a.push(await cpu(k.prepared)());
    }
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
  out.push({
    query: k.name,
    built_us: +med(b).toFixed(1),
    prepared_us: +med(a).toFixed(1),
    saved_us: +(med(b) - med(a)).toFixed(1),
  });
}
console.table(out);
console.log(JSON.stringify({ loadavg: [+load0.toFixed(2), +(loadavg()[0] ?? 0).toFixed(2)], rows: out }));
await database.close();
