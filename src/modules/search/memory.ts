import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Database } from '../../db/database.ts';
import type { EventBus } from '../events/index.ts';
import type { CatalogMemory } from './catalog-memory.ts';
import {
  factLogHead,
  factLogSince,
  maxProductId,
  type ProductFacts,
  productFactsAfter,
  productFactsByIds,
  pruneFactLog,
  recordFactSnapshot,
  sqliteFactPages,
  stockInRange,
  stockOf,
} from './memory.repository.ts';
import { readFactsSnapshot, writeFactsSnapshot } from './snapshot.ts';
import { widened } from './typed-arrays.ts';

export type { CatalogMemory } from './catalog-memory.ts';
export type { ProductFacts } from './memory.repository.ts';

interface State {
  promise?: Promise<CatalogMemory>;
  memory?: CatalogMemory;
  /** Stock events received while the memory loads, applied once it is ready. */
  pending: { product_id: number; location_id: number; available: number }[];
  /** Products re-indexed while the memory loads (the load may have read them before). */
  pendingProducts: { rows: ProductFacts[]; gone: number[] }[];
  bus?: EventBus;
  unsubscribe?: (() => void)[];
  generation: number;
  snapshot?: FactsSnapshotOptions;
  /** The change-log mark the memory being loaded reflects, when a snapshot should be written of it. */
  toWrite?: number;
  /** The periodic check that keeps the change log bounded (keepFactLogBounded). */
  pruneTimer?: NodeJS.Timeout;
}

/** How a server keeps its catalogue facts on disk between starts (useFactsSnapshot). */
export interface FactsSnapshotOptions {
  /** Write the snapshot after a load that changed it (one process of a cluster does). */
  write: boolean;
  /** Where a refused snapshot, a write and its failure are reported. */
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Loads this database's facts from the snapshot in the data directory when it is still valid,
 * and keeps it current (SQLite only; issue 19, item 6; docs/PERFORMANCE.md). Valid means: the
 * file is whole (checksum), and the database's change log (migration 072) was kept for this very
 * snapshot — then the products logged since it are re-read (facts and stock) before the facts are
 * ready, so a snapshot never serves a fact older than the database's. Anything else (no file, a
 * damaged one, another snapshot recorded, too many changes) falls back to reading the tables.
 * Call before the first catalogMemory().
 */
export function useFactsSnapshot(database: Database, options: FactsSnapshotOptions) {
  if (database.kind === 'sqlite' && database.file) stateOf(database).snapshot = options;
}

/** The snapshot's file: beside the SQLite database, in the data directory. */
export function factsSnapshotPath(database: Database): string | undefined {
  return database.file ? join(dirname(database.file), 'search-facts.snapshot') : undefined;
}

/** Past this many products changed since a snapshot, reading the tables is the shorter way. */
const MAX_SNAPSHOT_CHANGES = 100_000;

const states = new WeakMap<Database, State>();

function stateOf(database: Database): State {
  let s = states.get(database);
  if (!s) {
    s = { pending: [], pendingProducts: [], generation: 0 };
    states.set(database, s);
  }
  return s;
}

const PAGE = 50_000;

/** Empty facts for product ids below `size` (arrays grow past it; exported for tests). */
export function emptyCatalogMemory(size: number): CatalogMemory {
  return {
    merchant: new Int32Array(size),
    category: new Int32Array(size),
    price: new Int32Array(size),
    quebec: new Uint8Array(size),
    quebecLabels: [],
    gtin: new Float64Array(size),
    otherGtins: new Map(),
    invStart: new Int32Array(size + 1),
    invLoc: new Int32Array(0),
    invAvail: new Int32Array(0),
    extra: new Map(),
    multi: new Uint8Array(size),
    variantsOf: new Map(),
    parentOf: new Map(),
    ownPrice: new Map(),
    generation: 0,
    changed: null,
    touched: null,
  };
}

/** Lets other callbacks run between pages of the load (the server answers /readyz 503 meanwhile). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function load(database: Database, s: State): Promise<CatalogMemory> {
  s.toWrite = undefined;
  if (s.snapshot) {
    const started = performance.now();
    const fromSnapshot = await loadSnapshot(database, s.snapshot);
    if (fromSnapshot) {
      s.snapshot.log.info(
        { changed: fromSnapshot.changed, ms: Math.round(performance.now() - started) },
        'search facts loaded from snapshot',
      );
      if (fromSnapshot.changed > 0) s.toWrite = fromSnapshot.head;
      return fromSnapshot.memory;
    }
  }
  // Taken before the first page is read: whatever changes during the read is logged after it.
  const head = s.snapshot ? await factLogHead(database.db) : undefined;
  const m = await loadFromTables(database);
  s.toWrite = head;
  return m;
}

/** The facts from the snapshot file and the change log since it, or undefined (then the tables). */
async function loadSnapshot(
  database: Database,
  options: FactsSnapshotOptions,
): Promise<{ memory: CatalogMemory; head: number; changed: number } | undefined> {
  const path = factsSnapshotPath(database)!;
  let snap: ReturnType<typeof readFactsSnapshot>;
  try {
    snap = readFactsSnapshot(path);
  } catch (err) {
    options.log.warn({ err, path }, 'search facts snapshot ignored: rebuilding it from the tables');
    return undefined;
  }
  if (!snap) return undefined;
  if ((await factLogHead(database.db)) === undefined) return undefined;
  const since = await factLogSince(database.db, snap.mark.seq);
  if (since.snapshotId !== snap.mark.snapshotId) {
    options.log.warn(
      { path, snapshot: snap.mark.snapshotId, recorded: since.snapshotId },
      'search facts snapshot ignored: the database recorded another one',
    );
    return undefined;
  }
  if (since.changed.length > MAX_SNAPSHOT_CHANGES) {
    options.log.info(
      { changed: since.changed.length },
      'search facts snapshot ignored: too many changes since',
    );
    return undefined;
  }
  await applyChanges(database, snap.memory, since.changed);
  return { memory: snap.memory, head: since.head, changed: since.changed.length };
}

/** Re-reads the facts and stock of products changed since a snapshot (their rows as they are now). */
async function applyChanges(database: Database, m: CatalogMemory, ids: number[]) {
  for (let i = 0; i < ids.length; i += 2000) {
    const chunk = ids.slice(i, i + 2000);
    const rows = await productFactsByIds(database.db, chunk);
    const found = new Set<number>();
    for (const r of rows) {
      setProduct(m, r);
      found.add(Number(r.id));
    }
    for (const id of chunk) {
      if (found.has(id)) continue;
      // Deleted: no longer a result, nor a variant counted in its product's price and stock.
      const parent = m.parentOf.get(id);
      if (parent !== undefined)
        setProduct(m, {
          id,
          merchant_id: 0,
          category_id: null,
          quebec_label: null,
          price_cents: m.price[id] ?? 0,
          gtin: null,
          status: 'archived',
          parent_id: parent,
        });
      if (id < m.merchant.length) forget(m, id);
    }
    // Stock rows may have been deleted too: clear what the snapshot had, then set what is there.
    for (const id of chunk) {
      if (id + 1 < m.invStart.length) m.invAvail.fill(0, m.invStart[id]!, m.invStart[id + 1]!);
      m.extra.delete(id);
    }
    for (const r of await stockOf(database.db, chunk))
      setAvailable(m, Number(r.product_id), Number(r.location_id), Number(r.available));
  }
}

/** Writes the snapshot of `m` at change-log mark `seq`, then records it in the database. */
async function saveSnapshot(
  database: Database,
  options: FactsSnapshotOptions,
  m: CatalogMemory,
  seq: number,
) {
  const path = factsSnapshotPath(database)!;
  const started = performance.now();
  const snapshotId = randomUUID();
  const bytes = writeFactsSnapshot(path, m, { snapshotId, seq });
  const recorded = await recordFactSnapshot(database.db, snapshotId, seq);
  options.log.info(
    { path, bytes, seq, ms: Math.round(performance.now() - started), recorded },
    recorded ? 'search facts snapshot written' : 'search facts snapshot written, but a newer one is recorded',
  );
}

/** How often the process that writes snapshots checks the change log's size. */
const FACT_LOG_CHECK_MS = 10 * 60 * 1000;

/** Starts (once per database) the periodic pruning of an oversized change log (pruneFactLog). */
function keepFactLogBounded(database: Database, options: FactsSnapshotOptions) {
  const s = stateOf(database);
  if (s.pruneTimer) return;
  s.pruneTimer = setInterval(() => {
    pruneFactLog(database.db, MAX_SNAPSHOT_CHANGES).then(
      (pruned) => {
        if (pruned)
          options.log.info(
            { max: MAX_SNAPSHOT_CHANGES },
            'search facts change log pruned: next start reads the tables',
          );
      },
      (err) => options.log.warn({ err }, 'search facts change log not pruned'),
    );
  }, FACT_LOG_CHECK_MS);
  // Never keeps a process alive (tests, CLI commands) for this housekeeping alone.
  s.pruneTimer.unref();
}

async function loadFromTables(database: Database): Promise<CatalogMemory> {
  const db = database.db;
  const size = Math.max(1024, (await maxProductId(db)) + 1024);
  const m = emptyCatalogMemory(size);
  // SQLite: rows streamed as arrays into one reused object (no page of row objects to collect).
  const pages = database.sqlite ? sqliteFactPages(database.sqlite) : undefined;
  let last = 0;
  if (pages) {
    const row: ProductFacts = {
      id: 0,
      merchant_id: 0,
      category_id: null,
      quebec_label: null,
      price_cents: 0,
      gtin: null,
      status: '',
      parent_id: null,
    };
    for (;;) {
      let read = 0;
      for (const r of pages.facts(last, PAGE)) {
        row.id = r[0];
        row.merchant_id = r[1];
        row.category_id = r[2];
        row.quebec_label = r[3];
        row.price_cents = r[4];
        row.gtin = r[5];
        row.status = r[6];
        row.parent_id = r[7];
        setProduct(m, row);
        last = r[0];
        read++;
      }
      if (read < PAGE) break;
      await yieldToLoop();
    }
  } else {
    for (;;) {
      const rows = await productFactsAfter(db, last, PAGE);
      if (rows.length === 0) break;
      for (const row of rows) setProduct(m, row);
      last = Number(rows[rows.length - 1]!.id);
    }
  }
  // Stock rows in product order become the compressed rows (one pass, arrays grown by doubling).
  let loc = new Int32Array(Math.max(1024, size));
  let avail = new Int32Array(loc.length);
  let n = 0;
  let prevProduct = 0;
  const add = (p: number, location: number, available: number) => {
    if (p >= size) return; // created during the load: its stock event will arrive
    while (prevProduct < p) m.invStart[++prevProduct] = n;
    if (n === loc.length) {
      const l2 = new Int32Array(loc.length * 2);
      l2.set(loc);
      loc = l2;
      const a2 = new Int32Array(avail.length * 2);
      a2.set(avail);
      avail = a2;
    }
    loc[n] = location;
    avail[n] = available;
    n++;
  };
  for (let from = 0; from < size; from += PAGE) {
    if (pages) {
      for (const r of pages.stock(from, from + PAGE)) add(r[0], r[1], r[2]);
      await yieldToLoop();
    } else
      for (const row of await stockInRange(db, from, from + PAGE))
        add(Number(row.product_id), Number(row.location_id), Number(row.available));
  }
  while (prevProduct < size) m.invStart[++prevProduct] = n;
  m.invLoc = loc.slice(0, n);
  m.invAvail = avail.slice(0, n);
  return m;
}

function grow(m: CatalogMemory, id: number) {
  if (id < m.merchant.length) return;
  const size = Math.max(id + 1024, m.merchant.length * 2);
  const widen = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => widened(a, size);
  m.merchant = widen(m.merchant);
  m.category = widen(m.category);
  m.price = widen(m.price);
  m.quebec = widen(m.quebec);
  m.gtin = widen(m.gtin);
  m.multi = widen(m.multi);
  // Products past the compressed rows own no slot: their stock lives in `extra`.
  const start = new Int32Array(size + 1);
  start.set(m.invStart);
  start.fill(m.invStart[m.invStart.length - 1]!, m.invStart.length);
  m.invStart = start;
}

/** Past this many changed products the browse index is rebuilt rather than patched. */
const MAX_CHANGED = 50_000;

/**
 * Notes that a merchant's product facts changed (browse summaries of that merchant are stale).
 * `quiet`: only a stock quantity that stayed on the same side of zero, which no browse answer reads
 * (browse.ts ranks and counts "available > 0"; the page's quantities are read again): recorded as
 * -mid, so browse-index.ts refreshes the merchant's summaries as for any change but keeps the
 * browse answers computed before (browse-cache.ts).
 */
function touch(m: CatalogMemory, mid: number, quiet = false) {
  if (!mid || !m.touched) return;
  if (m.touched.length < MAX_CHANGED) m.touched.push(quiet ? -mid : mid);
  else m.touched = null;
}

/** Sets one product row's facts (exported for tests; the indexer goes through refreshProducts). */
export function setProduct(m: CatalogMemory, row: ProductFacts) {
  const id = Number(row.id);
  grow(m, id);
  touch(m, m.merchant[id]!);
  const parentBefore = m.parentOf.get(id);
  if (parentBefore !== undefined) touch(m, m.merchant[parentBefore]!);
  if (row.parent_id != null) touch(m, m.merchant[Number(row.parent_id)] ?? 0);
  if (row.parent_id != null || m.parentOf.has(id)) {
    setVariant(m, id, row);
    if (row.parent_id != null) return;
  }
  if (row.status !== 'active') {
    m.merchant[id] = 0;
    return;
  }
  m.merchant[id] = Number(row.merchant_id);
  touch(m, m.merchant[id]!);
  if (m.changed) {
    if (m.changed.length < MAX_CHANGED) m.changed.push(id);
    else m.changed = null;
  }
  m.category[id] = row.category_id === null ? 0 : Number(row.category_id);
  m.price[id] = Number(row.price_cents);
  if (m.multi[id] === 1) {
    m.ownPrice.set(id, m.price[id]!);
    fromPrice(m, id);
  }
  let q = 0;
  if (row.quebec_label) {
    q = m.quebecLabels.indexOf(row.quebec_label) + 1;
    if (q === 0 && m.quebecLabels.length < 255) q = m.quebecLabels.push(row.quebec_label);
  }
  m.quebec[id] = q;
  m.gtin[id] = row.gtin ? gtinKey(m, row.gtin) : 0;
}

/** A variant row (or a row that was one): its own price, and its product's "from" price and stock. */
function setVariant(m: CatalogMemory, id: number, row: ProductFacts) {
  m.merchant[id] = 0;
  m.price[id] = Number(row.price_cents);
  const before = m.parentOf.get(id);
  const parent = row.parent_id == null ? undefined : Number(row.parent_id);
  if (before !== undefined && (before !== parent || row.status !== 'active')) {
    m.variantsOf.get(before)?.delete(id);
    if (before !== parent) m.parentOf.delete(id);
    fromPrice(m, before);
  }
  if (parent === undefined) return;
  grow(m, parent);
  m.parentOf.set(id, parent);
  if (row.status !== 'active') return;
  let set = m.variantsOf.get(parent);
  if (!set) {
    set = new Set();
    m.variantsOf.set(parent, set);
  }
  set.add(id);
  fromPrice(m, parent);
}

/** Recomputes a product's "from" price (and whether it has other active variants). */
function fromPrice(m: CatalogMemory, productId: number) {
  const set = m.variantsOf.get(productId);
  if (!set || set.size === 0) {
    m.variantsOf.delete(productId);
    if (m.multi[productId] === 1) {
      m.multi[productId] = 0;
      m.price[productId] = m.ownPrice.get(productId) ?? m.price[productId]!;
      m.ownPrice.delete(productId);
    }
    return;
  }
  if (m.multi[productId] !== 1) {
    m.multi[productId] = 1;
    m.ownPrice.set(productId, m.price[productId]!);
  }
  let low = m.ownPrice.get(productId)!;
  for (const v of set) if (m.price[v]! < low) low = m.price[v]!;
  m.price[productId] = low;
}

function gtinKey(m: CatalogMemory, gtin: string): number {
  if (/^\d{1,15}$/.test(gtin)) return Number(gtin) || 0;
  let k = m.otherGtins.get(gtin);
  if (k === undefined) {
    k = -(m.otherGtins.size + 1);
    m.otherGtins.set(gtin, k);
  }
  return k;
}

/**
 * Availability of a product at a location (0 when it has no stock row); for a product with
 * variants, the sum over its active variants.
 */
export function availableAt(m: CatalogMemory, productId: number, locationId: number): number {
  if (m.multi[productId] === 1) {
    let sum = Math.max(0, rowAvailableAt(m, productId, locationId));
    for (const v of m.variantsOf.get(productId)!) sum += Math.max(0, rowAvailableAt(m, v, locationId));
    return sum;
  }
  return rowAvailableAt(m, productId, locationId);
}

/** Availability of one `products` row (a variant) at a location. */
function rowAvailableAt(m: CatalogMemory, productId: number, locationId: number): number {
  if (productId + 1 < m.invStart.length) {
    for (let i = m.invStart[productId]!; i < m.invStart[productId + 1]!; i++)
      if (m.invLoc[i] === locationId) return m.invAvail[i]!;
  }
  return m.extra.get(productId)?.get(locationId) ?? 0;
}

/** Sets one availability fact (exported for tests; stock events go through attachSearchEvents). */
export function setAvailable(m: CatalogMemory, productId: number, locationId: number, available: number) {
  // The product a browse ranks: this one, or for a variant its product (whose availability sums
  // its variants'); whether it is available there before and after decides what the change is.
  let shown = productId;
  let mid = 0;
  if (productId < m.merchant.length) {
    mid = m.merchant[productId]!;
    const parent = mid === 0 ? m.parentOf.get(productId) : undefined;
    if (parent !== undefined) {
      shown = parent;
      mid = m.merchant[parent]!;
    }
  }
  const was = mid !== 0 && availableAt(m, shown, locationId) > 0;
  writeAvailable(m, productId, locationId, available);
  if (mid !== 0) touch(m, mid, availableAt(m, shown, locationId) > 0 === was);
}

function writeAvailable(m: CatalogMemory, productId: number, locationId: number, available: number) {
  if (productId + 1 < m.invStart.length) {
    for (let i = m.invStart[productId]!; i < m.invStart[productId + 1]!; i++) {
      if (m.invLoc[i] === locationId) {
        m.invAvail[i] = available;
        return;
      }
    }
  }
  let byLoc = m.extra.get(productId);
  if (!byLoc) {
    byLoc = new Map();
    m.extra.set(productId, byLoc);
  }
  byLoc.set(locationId, available);
}

/** A product gone from the index (deleted): no longer a result. */
function forget(m: CatalogMemory, id: number) {
  touch(m, m.merchant[id]!);
  m.merchant[id] = 0;
}

const loadedHooks: ((m: CatalogMemory) => void)[] = [];
/**
 * Runs once the facts are loaded: indexes derived from them (browse.ts) are built during the
 * warm-up rather than by the first search.
 */
export function onCatalogMemoryLoaded(hook: (m: CatalogMemory) => void) {
  loadedHooks.push(hook);
}

const snapshotReadyHooks: ((database: Database, options: FactsSnapshotOptions) => void)[] = [];
/**
 * Runs once a server's facts are ready (useFactsSnapshot was called), before /readyz says so: the
 * text index file (text-index-file.ts) starts loading then, in the background.
 */
export function onFactsSnapshotReady(hook: (database: Database, options: FactsSnapshotOptions) => void) {
  snapshotReadyHooks.push(hook);
}

/** The catalogue facts of this database, loaded on first use. */
export function catalogMemory(database: Database): Promise<CatalogMemory> {
  const s = stateOf(database);
  if (!s.promise) {
    const promise: Promise<CatalogMemory> = load(database, s).then((m) => {
      // Forgotten meanwhile (full rebuild): this load may predate it, a new one will follow.
      if (s.promise !== promise) return m;
      m.generation = s.generation;
      for (const p of s.pendingProducts) {
        for (const r of p.rows) setProduct(m, r);
        for (const id of p.gone) if (id < m.merchant.length) forget(m, id);
      }
      for (const e of s.pending) setAvailable(m, e.product_id, e.location_id, e.available);
      s.pending = [];
      s.pendingProducts = [];
      s.memory = m;
      for (const hook of loadedHooks) hook(m);
      const options = s.snapshot;
      const seq = s.toWrite;
      if (options) for (const hook of snapshotReadyHooks) hook(database, options);
      if (options?.write && seq !== undefined)
        // After the facts are ready (not delaying /readyz), from the memory as it then is.
        setImmediate(() => {
          if (s.memory !== m) return;
          saveSnapshot(database, options, m, seq).catch((err) =>
            options.log.warn({ err }, 'search facts snapshot not written'),
          );
          keepFactLogBounded(database, options);
        });
      return m;
    });
    s.promise = promise;
    promise.catch(() => {
      if (s.promise === promise) s.promise = undefined;
    });
  }
  return s.promise;
}

/**
 * True while the catalogue facts are being read (the warm-up `comptoir serve` starts after it
 * listens): `/readyz` then answers 503 so a proxy sends no searches to an instance still loading.
 */
export function catalogMemoryLoading(database: Database): boolean {
  const s = states.get(database);
  return s?.promise !== undefined && s.memory === undefined;
}

/** Current generation (changes with every catalogue write this process knows of). */
export function catalogGeneration(database: Database): number {
  return stateOf(database).generation;
}

const changeHooks: ((database: Database, ids: readonly number[] | null) => void)[] = [];
/**
 * Runs on every catalogue change this process learns of, after it is written: the products
 * changed, or null for everything (a full rebuild). The text index (text-index-state.ts) uses it.
 */
export function onCatalogChange(hook: (database: Database, ids: readonly number[] | null) => void) {
  changeHooks.push(hook);
}

/** Called by the indexer after products were written (and by `catalog` events from other instances). */
export function refreshProducts(database: Database, rows: ProductFacts[], goneIds: number[] = []) {
  const s = stateOf(database);
  s.generation++;
  if (changeHooks.length > 0) {
    const ids = [...rows.map((r) => Number(r.id)), ...goneIds];
    for (const hook of changeHooks) hook(database, ids);
  }
  const m = s.memory;
  if (!m) {
    if (s.promise) s.pendingProducts.push({ rows, gone: goneIds });
    return;
  }
  // m.generation is left as it is: the text-hit cache drops every list a written product was or
  // is in (hit-cache.ts), so the cells of a kept list (candidates.ts) hold none and stay true.
  for (const r of rows) setProduct(m, r);
  for (const id of goneIds) if (id < m.merchant.length) forget(m, id);
}

/** Sets availability rows read from the database (products just indexed: their stock as it is now). */
export function refreshStock(
  database: Database,
  rows: { product_id: number; location_id: number; available: number }[],
) {
  const s = stateOf(database);
  if (s.memory) {
    for (const r of rows)
      setAvailable(s.memory, Number(r.product_id), Number(r.location_id), Number(r.available));
  } else if (s.promise) s.pending.push(...rows);
}

/** Reads the current stock of some products and keeps it in memory. */
export async function reloadStock(database: Database, productIds: number[]) {
  const s = stateOf(database);
  if (!s.memory && !s.promise) return;
  for (let i = 0; i < productIds.length; i += 2000) {
    const chunk = productIds.slice(i, i + 2000);
    refreshStock(database, await stockOf(database.db, chunk));
  }
}

/** Drops everything (after a full rebuild of the index). */
export function forgetCatalogMemory(database: Database) {
  const s = stateOf(database);
  s.generation++;
  for (const hook of changeHooks) hook(database, null);
  s.promise = undefined;
  s.memory = undefined;
  s.pending = [];
  s.pendingProducts = [];
}

/**
 * Wires the memory to the platform's event bus: stock events keep availability current, and
 * `catalog` events (products indexed by another instance) reload those products' facts. A reload
 * that fails drops the facts (read again on the next search) and is written to `log`.
 */
export function attachSearchEvents(
  database: Database,
  bus: EventBus,
  log?: { warn(obj: object, msg: string): void },
): () => void {
  const s = stateOf(database);
  for (const off of s.unsubscribe ?? []) off();
  s.bus = bus;
  const offStock = bus.subscribe('stock', (e) => {
    if (s.memory) setAvailable(s.memory, Number(e.product_id), Number(e.location_id), Number(e.available));
    else if (s.promise) s.pending.push(e);
  });
  const offCatalog = bus.subscribe('catalog', (e) => {
    if (e.origin === originOf(database)) return;
    // Returned so that the bus's settled() waits for the reload; a failed reload drops the memory
    // (rebuilt from the database on the next search).
    return reloadProducts(database, e.product_ids).catch((err) => {
      log?.warn(
        { err },
        'search facts not reloaded after a catalog event: dropped, read again on the next search',
      );
      forgetCatalogMemory(database);
    });
  });
  s.unsubscribe = [offStock, offCatalog];
  return () => {
    offStock();
    offCatalog();
    s.unsubscribe = [];
    s.bus = undefined;
  };
}

const origins = new WeakMap<Database, string>();
function originOf(database: Database): string {
  let o = origins.get(database);
  if (!o) {
    o = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    origins.set(database, o);
  }
  return o;
}

async function reloadProducts(database: Database, ids: number[]) {
  if (ids.length === 0) {
    forgetCatalogMemory(database);
    return;
  }
  const rows = await productFactsByIds(database.db, ids);
  const found = new Set(rows.map((x) => Number(x.id)));
  refreshProducts(
    database,
    rows,
    ids.filter((id) => !found.has(id)),
  );
  await reloadStock(database, [...found]);
}

/** Tells the other instances which products this one re-indexed (in NOTIFY-sized chunks). */
export async function announceCatalogChange(database: Database, productIds: number[]) {
  const bus = stateOf(database).bus;
  if (!bus || productIds.length === 0) return;
  const origin = originOf(database);
  for (let i = 0; i < productIds.length; i += 500)
    await bus.publish('catalog', { origin, product_ids: productIds.slice(i, i + 500) });
}

/** Tells the other instances to drop their memory (after a full rebuild). */
export async function announceCatalogReset(database: Database) {
  const bus = stateOf(database).bus;
  if (bus) await bus.publish('catalog', { origin: originOf(database), product_ids: [] });
}
