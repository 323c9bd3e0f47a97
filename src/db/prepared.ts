/**
 * Queries that Kysely builds and compiles once, then runs again with other values. Building a
 * query (parsing its references and joins, creating and freezing its nodes, compiling them) costs
 * 0.05–0.2 ms of CPU, often more than SQLite takes to answer it: a product page spent a sixth to a
 * fifth of its CPU building its five queries (docs/PERFORMANCE.md, mixed load engineer, 2026-12-05d).
 */
import type { Compilable, CompiledQuery, Kysely, QueryExecutor, Transaction } from 'kysely';

/** A value bound in the query, or a list of them (an `in` list: compiled once per length). */
export type PreparedArg = string | number | readonly (string | number)[];

/** Where each parameter of the compiled query comes from: a constant of the query, or an argument. */
type Slot = { constant: unknown } | { arg: number; item: number };
interface Prepared {
  compiled: CompiledQuery;
  slots: Slot[];
}

/** Placeholder values: never a value a query holds (a NUL character first), one per argument item. */
const mark = (arg: number, item: number) => `\u0000prepared:${arg}:${item}`;

/** At most this many compiled forms per dialect adapter (one per shape: lengths of list arguments). */
const SHAPES_MAX = 8;

/**
 * `build` as a function that compiles its query once per database (its transactions included) and
 * shape (the lengths of its list arguments), and afterwards only binds the call's values: same
 * SQL, same parameters, same rows as building it each time. `build` receives placeholders in place
 * of its arguments: it must put each one in the query as a bound value (`=`, `in`, `limit`…),
 * never look at it (a query whose placeholders do not each appear exactly once among the compiled
 * parameters is built anew at every call, as before). A value computed inside `build` (a clock
 * reading) would be frozen at the first call: pass it as an argument.
 */
export function preparedQuery<D, A extends PreparedArg[], R>(
  build: (db: Kysely<D> | Transaction<D>, ...args: A) => Compilable<R>,
): (db: Kysely<D> | Transaction<D>, ...args: A) => Promise<R[]> {
  const byCompiler = new WeakMap<object, Map<string, Prepared | null>>();
  const prepare = (db: Kysely<D>, args: A): Prepared | null => {
    const where = new Map<string, { arg: number; item: number }>();
    const marks = args.map((a, i) => {
      if (!Array.isArray(a)) {
        where.set(mark(i, -1), { arg: i, item: -1 });
        return mark(i, -1);
      }
      return a.map((_, j) => {
        where.set(mark(i, j), { arg: i, item: j });
        return mark(i, j);
      });
    });
    const compiled = build(db, ...(marks as A)).compile();
    const seen = new Set<unknown>();
    const slots = compiled.parameters.map((p): Slot => {
      const at = typeof p === 'string' ? where.get(p) : undefined;
      if (!at) return { constant: p };
      seen.add(p);
      return at;
    });
    // Each placeholder exactly once, else the query is not one this can rebind: built at each call.
    return seen.size === where.size && slots.filter((s) => 'arg' in s).length === where.size
      ? { compiled, slots }
      : null;
  };
  return async (db, ...args) => {
    const shape = args.map((a) => (Array.isArray(a) ? a.length : '')).join(',');
    const key = compilerOf(db);
    let shapes = byCompiler.get(key);
    if (!shapes) {
      shapes = new Map();
      byCompiler.set(key, shapes);
    }
    let p = shapes.get(shape);
    if (p === undefined) {
      p = prepare(db, args);
      if (shapes.size < SHAPES_MAX) shapes.set(shape, p);
    }
    if (!p) return (await db.executeQuery(build(db, ...args))).rows;
    const parameters = p.slots.map((s) =>
      'constant' in s
        ? s.constant
        : s.item < 0
          ? args[s.arg]
          : (args[s.arg] as readonly (string | number)[])[s.item],
    );
    return (await db.executeQuery<R>({ ...p.compiled, parameters } as CompiledQuery<R>)).rows;
  };
}

/**
 * What decides a query's SQL: its dialect's adapter, which a database handle and its transactions
 * share (a transaction is a new handle each time: keyed by itself, nothing would be reused inside
 * transactions). A handle with plugins (they rewrite queries) or without a readable executor is its
 * own key.
 */
function compilerOf<D>(db: Kysely<D> | Transaction<D>): object {
  const executor = (db as unknown as { getExecutor?: () => QueryExecutor }).getExecutor?.();
  return executor && executor.plugins.length === 0 ? executor.adapter : db;
}
