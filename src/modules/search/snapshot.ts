/**
 * The catalogue facts (memory.ts) as one file in the data directory, so a server starts without
 * rebuilding them from the tables (issue 19, item 6; docs/PERFORMANCE.md). The file holds the
 * typed arrays byte for byte behind a small JSON header (the maps, the labels, which database
 * state it was taken at); it is read in one call into one buffer and the arrays are views on it,
 * so loading does no per-product work. A CRC-32 over everything after the first 16 bytes catches
 * a truncated or damaged file. Whether the snapshot still matches the database is decided by
 * memory.ts (the change log of migration 072), not here.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { type BrowseParts, buildBrowseParts, type GroupTable } from './browse-index-build.ts';
import type { CatalogMemory } from './catalog-memory.ts';
import { replaceFileSync } from './replace-file.ts';

const MAGIC = 'CMPTFCT1';
/** 2: the browse index's arrays are in the file too (an older file is refused, then rebuilt). */
const VERSION = 2;

/** Which database state a snapshot reflects: the change log's sequence number, and the snapshot's own id. */
export interface SnapshotMark {
  snapshotId: string;
  seq: number;
}

interface Header extends SnapshotMark {
  v: number;
  le: boolean;
  bytes: number;
  size: number;
  slots: number;
  quebecLabels: string[];
  otherGtins: [string, number][];
  extra: [number, [number, number][]][];
  variantsOf: [number, number[]][];
  parentOf: [number, number][];
  ownPrice: [number, number][];
  /** GTIN groups of the browse index's arrays (BrowseParts.groups). */
  groups: number;
  arrays: [name: ArrayName | BrowseName, offset: number, length: number][];
}

type ArrayName =
  | 'merchant'
  | 'category'
  | 'price'
  | 'gtin'
  | 'invStart'
  | 'invLoc'
  | 'invAvail'
  | 'quebec'
  | 'multi';
const KINDS = {
  merchant: Int32Array,
  category: Int32Array,
  price: Int32Array,
  gtin: Float64Array,
  invStart: Int32Array,
  invLoc: Int32Array,
  invAvail: Int32Array,
  quebec: Uint8Array,
  multi: Uint8Array,
} as const;
const NAMES = Object.keys(KINDS) as ArrayName[];

/**
 * The browse index's arrays kept in the file (browse-index-build.ts), so that a start takes them
 * instead of building them (≈ 0.1 s of CPU at 1M products, the start's critical path: issue 19,
 * item 6). They are derived from the facts of the same file only, written with them and covered
 * by the same CRC. Not kept: `builtMerchant` (a copy of `merchant`) and `sharedLate` (zeros).
 */
type PartName = Exclude<keyof BrowseParts, 'builtMerchant' | 'sharedLate' | 'groups' | 'table'>;
type BrowseName = `browse.${PartName}` | `table.${keyof GroupTable}`;
const PARTS: PartName[] = ['start', 'ids', 'group', 'groupKeys', 'categoryBits', 'groupSize', 'groupMember'];
const TABLE: (keyof GroupTable)[] = ['group', 'cats', 'start', 'pid', 'mid', 'facts', 'loc', 'price'];

/** Every array of the file, by name, from the facts and the browse index's arrays built from them. */
function arraysOf(m: CatalogMemory, b: BrowseParts): [ArrayName | BrowseName, ArrayBufferView][] {
  return [
    ...NAMES.map((name): [ArrayName, ArrayBufferView] => [name, m[name]]),
    ...PARTS.map((name): [BrowseName, ArrayBufferView] => [`browse.${name}`, b[name]]),
    ...TABLE.map((name): [BrowseName, ArrayBufferView] => [`table.${name}`, b.table[name]]),
  ];
}

const align8 = (n: number) => (n + 7) & ~7;

/** Writes the facts to `path` (a temporary file renamed over it, so a reader never sees half a file). */
export function writeFactsSnapshot(path: string, m: CatalogMemory, mark: SnapshotMark): number {
  const browse = buildBrowseParts(m);
  const arrays = arraysOf(m, browse);
  const header: Header = {
    v: VERSION,
    le: endianness() === 'LE',
    ...mark,
    bytes: 0,
    size: m.merchant.length,
    slots: m.invLoc.length,
    quebecLabels: m.quebecLabels,
    otherGtins: [...m.otherGtins],
    extra: [...m.extra].map(([p, byLoc]) => [p, [...byLoc]]),
    variantsOf: [...m.variantsOf].map(([p, set]) => [p, [...set]]),
    parentOf: [...m.parentOf],
    ownPrice: [...m.ownPrice],
    groups: browse.groups,
    arrays: [],
  };
  // Offsets depend on the header's length, which depends on the offsets' digits: settle in two passes.
  let text = '';
  for (let pass = 0; pass < 3; pass++) {
    let at = align8(16 + Buffer.byteLength(text));
    header.arrays = arrays.map(([name, a]) => {
      const entry: [ArrayName | BrowseName, number, number] = [name, at, (a as Int32Array).length];
      at = align8(at + a.byteLength);
      return entry;
    });
    header.bytes = at;
    const next = JSON.stringify(header);
    if (next === text) break;
    text = next;
  }
  const out = Buffer.alloc(header.bytes);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(Buffer.byteLength(text), 8);
  out.write(text, 16, 'utf8');
  for (const [i, [, a]] of arrays.entries())
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), header.arrays[i]![1]);
  out.writeUInt32LE(crc32(out.subarray(16)), 12);
  replaceFileSync(path, [out]);
  return header.bytes;
}

/** A snapshot read back: the facts and the mark they were taken at. */
export interface LoadedSnapshot {
  memory: CatalogMemory;
  mark: SnapshotMark;
  /**
   * The browse index's arrays of these facts (views on the file's bytes, but `builtMerchant` and
   * `sharedLate`), unless not asked for.
   */
  browse?: BrowseParts;
}

/** Why a snapshot file was refused (it is then rebuilt from the tables). */
export class SnapshotError extends Error {}

/**
 * A snapshot file's bytes read ahead (prefetchFactsSnapshot), with what identifies that version of
 * it; from the worker thread of a server's start (snapshot-prefetch.worker.ts, src/serve/facts-prefetch.ts),
 * also whether its checksum was verified and the browse index's arrays built from its facts.
 */
export interface PrefetchedSnapshot {
  bytes: Uint8Array<ArrayBuffer>;
  /**
   * The file's rest from its first browse index array (readSnapshotBytes), in a buffer of its own:
   * those arrays then go with the index (freed when it is rebuilt), not with the facts.
   */
  tail?: Uint8Array<ArrayBuffer>;
  mtimeNs: bigint;
  verified?: boolean;
  browse?: BrowseParts;
  /** CPU the worker thread spent (ms), for benchmarks. */
  threadCpuMs?: number;
  /**
   * Of which (ms, for benchmarks): before its first line (thread start, imports), reading the file,
   * checking and parsing it (CRC-32, header, the arrays' views).
   */
  stepsCpuMs?: { startMs: number; readMs: number; checkMs: number };
}
const prefetched = new Map<string, PrefetchedSnapshot>();

/** Browse index arrays built from the facts of a snapshot as read (browse-index.ts takes them once). */
const browseOf = new WeakMap<CatalogMemory, BrowseParts>();

/** The browse index arrays the snapshot's worker built from these facts, once, or undefined. */
export function prebuiltBrowseParts(m: CatalogMemory): BrowseParts | undefined {
  const parts = browseOf.get(m);
  browseOf.delete(m);
  return parts;
}

/**
 * Starts reading a snapshot file in the background (libuv's thread pool), so that a server reads
 * it while it loads its modules and builds its routes (issue 19, item 6): the next
 * readFactsSnapshot of that path takes these bytes instead of reading the file, if the file still
 * has the same size and modification time. Resolves once they are there, or when the read failed
 * (readFactsSnapshot then reads the file itself and reports what is wrong).
 */
export async function prefetchFactsSnapshot(
  path: string,
  ahead?: Promise<PrefetchedSnapshot | undefined>,
): Promise<void> {
  if (ahead) {
    // Read by a worker thread (src/serve/facts-prefetch.ts); nothing when it failed.
    const read = await ahead;
    if (read) prefetched.set(path, read);
    return;
  }
  try {
    const fh = await open(path, 'r');
    try {
      const stat = await fh.stat({ bigint: true });
      const size = Number(stat.size);
      // Split as readSnapshotBytes does (its header: two small reads).
      const at = browseOffset(fh.fd, size);
      const bytes = new Uint8Array(new ArrayBuffer(at));
      const tail = at < size ? new Uint8Array(new ArrayBuffer(size - at)) : undefined;
      for (const [into, from] of tail ? [[bytes, 0] as const, [tail, at] as const] : [[bytes, 0] as const]) {
        let read = 0;
        while (read < into.length) {
          const { bytesRead } = await fh.read(into, read, into.length - read, from + read);
          if (bytesRead === 0) return;
          read += bytesRead;
        }
      }
      prefetched.set(path, tail ? { bytes, tail, mtimeNs: stat.mtimeNs } : { bytes, mtimeNs: stat.mtimeNs });
    } finally {
      await fh.close();
    }
  } catch {
    // No file, or unreadable: readFactsSnapshot finds out again.
  }
}

/**
 * Reads a snapshot: undefined when there is none, a SnapshotError when it is truncated, damaged,
 * or of another format or byte order.
 */
export function readFactsSnapshot(path: string): LoadedSnapshot | undefined {
  const ahead = prefetched.get(path);
  prefetched.delete(path);
  const read = readSnapshotBytes(path, ahead);
  if (!read) return undefined;
  const loaded = parseFactsSnapshot(read.bytes, read.verified === true, !read.browse, read.tail);
  // Changes applied from now on (the change log's, then events) are recorded for that index: the
  // arrays the worker posted (views on these bytes too), else the file's own.
  loaded.memory.changed = [];
  loaded.memory.touched = [];
  browseOf.set(loaded.memory, (read.browse ?? loaded.browse)!);
  // A step of a server's start (COMPTOIR_START_TRACE, src/cli/main.ts).
  performance.mark('comptoir:facts snapshot read', { detail: process.cpuUsage() });
  return loaded;
}

/**
 * A snapshot file's bytes in a buffer of their own (offset 0: every array view is aligned), or
 * `ahead` when it was read from the same version of the file (size and modification time);
 * undefined when there is no file.
 */
export function readSnapshotBytes(path: string, ahead?: PrefetchedSnapshot): PrefetchedSnapshot | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    const size = Number(stat.size);
    if (ahead && ahead.bytes.length + (ahead.tail?.length ?? 0) === size && ahead.mtimeNs === stat.mtimeNs)
      return ahead;
    const at = browseOffset(fd, size);
    const bytes = new Uint8Array(new ArrayBuffer(at));
    const tail = at < size ? new Uint8Array(new ArrayBuffer(size - at)) : undefined;
    const read = readAt(fd, bytes, 0) + (tail ? readAt(fd, tail, at) : 0);
    if (read < size) throw new SnapshotError(`read ${read} of ${size} bytes`);
    return tail ? { bytes, tail, mtimeNs: stat.mtimeNs } : { bytes, mtimeNs: stat.mtimeNs };
  } finally {
    closeSync(fd);
  }
}

/** Fills `into` from the file at `position` on; the bytes read (fewer at the end of the file). */
function readAt(fd: number, into: Uint8Array, position: number): number {
  let read = 0;
  while (read < into.length) {
    const n = readSync(fd, into, read, into.length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}

/**
 * Where the file's browse index arrays start, from its header (read twice, it is small), or
 * `size` when it cannot tell (another format, a damaged header: the parse then says why).
 */
function browseOffset(fd: number, size: number): number {
  try {
    const head = Buffer.alloc(16);
    if (readAt(fd, head, 0) < 16 || head.toString('latin1', 0, 8) !== MAGIC) return size;
    const text = Buffer.alloc(Math.min(head.readUInt32LE(8), size - 16));
    readAt(fd, text, 16);
    const header = JSON.parse(text.toString('utf8')) as Header;
    let at = size;
    for (const [name, offset] of header.arrays) if (!(name in KINDS) && offset < at) at = offset;
    return at > 16 && at % 8 === 0 ? at : size;
  } catch {
    return size;
  }
}

/**
 * Parses a snapshot held in `bytes` (its own buffer, from offset 0; the arrays are views on it),
 * and `tail`, the file's rest when it was read into a buffer of its own (readSnapshotBytes).
 * `verified`: its checksum was checked already (by the worker that read it); `withBrowse`: with the
 * browse index's arrays (not when the worker posted its own, views on the same bytes).
 */
export function parseFactsSnapshot(
  bytes: Uint8Array<ArrayBuffer>,
  verified = false,
  withBrowse = true,
  tail?: Uint8Array<ArrayBuffer>,
): LoadedSnapshot {
  if (bytes.length < 16 || Buffer.from(bytes.buffer, 0, 8).toString('latin1') !== MAGIC)
    throw new SnapshotError('not a catalogue facts snapshot');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  const total = bytes.length + (tail?.length ?? 0);
  if (!verified && crc32(tail ?? new Uint8Array(0), crc32(bytes.subarray(16))) !== view.getUint32(12, true))
    throw new SnapshotError(`checksum mismatch (${total} bytes: truncated or damaged)`);
  const header = JSON.parse(Buffer.from(bytes.buffer, 16, headerLength).toString('utf8')) as Header;
  if (header.v !== VERSION) throw new SnapshotError(`format ${header.v}, expected ${VERSION}`);
  if (header.le !== (endianness() === 'LE')) throw new SnapshotError('written with another byte order');
  if (header.bytes !== total) throw new SnapshotError(`${total} bytes, expected ${header.bytes}`);
  // An array past `bytes` is in `tail`.
  const bufferAt = (offset: number): [ArrayBuffer, number] =>
    tail && offset >= bytes.length ? [tail.buffer, offset - bytes.length] : [bytes.buffer, offset];
  const arrays = {} as { [K in ArrayName]: InstanceType<(typeof KINDS)[K]> };
  const browse = {} as Record<string, Int32Array | Float64Array>;
  for (const [name, offset, length] of header.arrays) {
    if (name in KINDS) {
      const Kind = KINDS[name as ArrayName];
      (arrays as Record<string, unknown>)[name] = new Kind(...bufferAt(offset), length);
    } else
      browse[name] =
        name === 'browse.groupKeys'
          ? new Float64Array(...bufferAt(offset), length)
          : new Int32Array(...bufferAt(offset), length);
  }
  for (const name of NAMES) if (!arrays[name]) throw new SnapshotError(`no ${name} array`);
  for (const name of [...PARTS.map((n) => `browse.${n}`), ...TABLE.map((n) => `table.${n}`)])
    if (!browse[name]) throw new SnapshotError(`no ${name} array`);
  if (arrays.invStart.length !== header.size + 1 || arrays.invLoc.length !== header.slots)
    throw new SnapshotError('array lengths disagree with the header');
  if (
    browse['browse.group']!.length !== arrays.merchant.length ||
    browse['browse.groupKeys']!.length !== header.groups
  )
    throw new SnapshotError('browse index lengths disagree with the facts');
  const table = Object.fromEntries(TABLE.map((n) => [n, browse[`table.${n}`]])) as unknown as GroupTable;
  return {
    mark: { snapshotId: header.snapshotId, seq: header.seq },
    browse: !withBrowse
      ? undefined
      : {
          ...(Object.fromEntries(PARTS.map((n) => [n, browse[`browse.${n}`]])) as Pick<
            BrowseParts,
            PartName
          >),
          // The facts' own arrays change from now on; these two are the build's.
          builtMerchant: arrays.merchant.slice(),
          sharedLate: new Uint8Array(header.groups),
          groups: header.groups,
          table,
        },
    memory: {
      ...arrays,
      quebecLabels: header.quebecLabels,
      otherGtins: new Map(header.otherGtins),
      extra: new Map(header.extra.map(([p, byLoc]) => [p, new Map(byLoc)])),
      variantsOf: new Map(header.variantsOf.map(([p, ids]) => [p, new Set(ids)])),
      parentOf: new Map(header.parentOf),
      ownPrice: new Map(header.ownPrice),
      generation: 0,
      changed: null,
      touched: null,
    },
  };
}
