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
import type { BrowseParts } from './browse-index-build.ts';
import type { CatalogMemory } from './catalog-memory.ts';
import { replaceFileSync } from './replace-file.ts';

const MAGIC = 'CMPTFCT1';
const VERSION = 1;

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
  arrays: [name: ArrayName, offset: number, length: number][];
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

const align8 = (n: number) => (n + 7) & ~7;

/** Writes the facts to `path` (a temporary file renamed over it, so a reader never sees half a file). */
export function writeFactsSnapshot(path: string, m: CatalogMemory, mark: SnapshotMark): number {
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
    arrays: [],
  };
  // Offsets depend on the header's length, which depends on the offsets' digits: settle in two passes.
  let text = '';
  for (let pass = 0; pass < 3; pass++) {
    let at = align8(16 + Buffer.byteLength(text));
    header.arrays = NAMES.map((name) => {
      const a = m[name];
      const entry: [ArrayName, number, number] = [name, at, a.length];
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
  for (const [name, offset] of header.arrays) {
    const a = m[name];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
  }
  out.writeUInt32LE(crc32(out.subarray(16)), 12);
  replaceFileSync(path, [out]);
  return header.bytes;
}

/** A snapshot read back: the facts and the mark they were taken at. */
export interface LoadedSnapshot {
  memory: CatalogMemory;
  mark: SnapshotMark;
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
  mtimeNs: bigint;
  verified?: boolean;
  browse?: BrowseParts;
  /** CPU the worker thread spent (ms), for benchmarks. */
  threadCpuMs?: number;
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
      const bytes = new Uint8Array(new ArrayBuffer(size));
      let read = 0;
      while (read < size) {
        const { bytesRead } = await fh.read(bytes, read, size - read, read);
        if (bytesRead === 0) return;
        read += bytesRead;
      }
      prefetched.set(path, { bytes, mtimeNs: stat.mtimeNs });
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
  const loaded = parseFactsSnapshot(read.bytes, read.verified === true);
  if (read.browse) {
    // Changes applied from now on (the change log's, then events) are recorded for that index.
    loaded.memory.changed = [];
    loaded.memory.touched = [];
    browseOf.set(loaded.memory, read.browse);
  }
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
    if (ahead && ahead.bytes.length === size && ahead.mtimeNs === stat.mtimeNs) return ahead;
    const bytes = new Uint8Array(new ArrayBuffer(size));
    let read = 0;
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    if (read < size) throw new SnapshotError(`read ${read} of ${size} bytes`);
    return { bytes, mtimeNs: stat.mtimeNs };
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses a snapshot held in `bytes` (its own buffer, from offset 0; the arrays are views on it).
 * `verified`: its checksum was checked already (by the worker that read it).
 */
export function parseFactsSnapshot(bytes: Uint8Array<ArrayBuffer>, verified = false): LoadedSnapshot {
  if (bytes.length < 16 || Buffer.from(bytes.buffer, 0, 8).toString('latin1') !== MAGIC)
    throw new SnapshotError('not a catalogue facts snapshot');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (!verified && crc32(bytes.subarray(16)) !== view.getUint32(12, true))
    throw new SnapshotError(`checksum mismatch (${bytes.length} bytes: truncated or damaged)`);
  const header = JSON.parse(Buffer.from(bytes.buffer, 16, headerLength).toString('utf8')) as Header;
  if (header.v !== VERSION) throw new SnapshotError(`format ${header.v}, expected ${VERSION}`);
  if (header.le !== (endianness() === 'LE')) throw new SnapshotError('written with another byte order');
  if (header.bytes !== bytes.length)
    throw new SnapshotError(`${bytes.length} bytes, expected ${header.bytes}`);
  const arrays = {} as { [K in ArrayName]: InstanceType<(typeof KINDS)[K]> };
  for (const [name, offset, length] of header.arrays) {
    const Kind = KINDS[name];
    (arrays as Record<string, unknown>)[name] = new Kind(bytes.buffer, offset, length);
  }
  for (const name of NAMES) if (!arrays[name]) throw new SnapshotError(`no ${name} array`);
  if (arrays.invStart.length !== header.size + 1 || arrays.invLoc.length !== header.slots)
    throw new SnapshotError('array lengths disagree with the header');
  return {
    mark: { snapshotId: header.snapshotId, seq: header.seq },
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
