/**
 * The text index (text-index.ts) as one file in the data directory, `search-text.index`, so that a
 * server loads it in well under a second instead of building it (28-31 s of CPU at 1M products,
 * in every process; docs/PERFORMANCE.md). Same approach as the facts snapshot (snapshot.ts): a
 * small JSON header (format, byte order, the file's id, the change-log mark it reflects) and the
 * index's typed arrays byte for byte, a CRC-32 over everything after the first 16 bytes, written
 * to a temporary file renamed over the old one; read into one buffer, the arrays views on it.
 *
 * Validity (useTextIndexFile): the database records the file's id and mark (search_text_snapshot,
 * migration 073) when a build that will write it starts; the change log keeps every product changed
 * after that mark (documents and facts: migrations 072, 073), and those are the loaded index's dirty
 * documents (their current terms read and matched directly, as after a build). Anything else — no
 * file, a damaged one, another id recorded, too many changes — and the index is built again.
 * Who builds: the process that writes the facts snapshot (one per cluster) builds and writes the
 * file when it has no valid one; the others wait for it (FTS5 answers meanwhile) and build their own
 * only if it does not come. `comptoir seed` (rebuildSearchIndex) leaves a valid file behind.
 */
import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Database } from '../../db/database.ts';
import { reserveTextSnapshot, textLogSince } from './memory.repository.ts';
import { onFactsSnapshotReady } from './memory.ts';
import { replaceFile, replaceFileSync } from './replace-file.ts';
import type { SnapshotMark } from './snapshot.ts';
import { buildTextIndexFrom, TextIndex, type TextIndexData } from './text-index.ts';
import {
  adoptTextIndex,
  currentTextIndex,
  isCurrentTextIndex,
  MAX_DIRTY,
  markTextIndexDirty,
  setTextIndexLog,
  setTextIndexSource,
  startTextIndexBuild,
  textIndexEnabled,
} from './text-index-state.ts';

const MAGIC = 'CMPTTXI1';
// 2: postings carry body flags on title entries, and docLen (BM25 from the index).
const VERSION = 2;

type ArrayName =
  | 'termBytes'
  | 'termOff'
  | 'postOff'
  | 'postings'
  | 'denseSlot'
  | 'denseBits'
  | 'df'
  | 'docLen';
const KINDS = {
  termBytes: Uint8Array,
  termOff: Uint32Array,
  postOff: Float64Array,
  postings: Uint8Array,
  denseSlot: Int32Array,
  denseBits: Int32Array,
  df: Uint32Array,
  docLen: Uint16Array,
} as const;
const NAMES = Object.keys(KINDS) as ArrayName[];
/** The typed arrays of a text index, as a text index file (and the PostgreSQL store) holds them, in order. */
export const TEXT_INDEX_ARRAYS: readonly ArrayName[] = NAMES;

interface Header extends SnapshotMark {
  v: number;
  le: boolean;
  bytes: number;
  maxId: number;
  docs: number;
  arrays: [name: ArrayName, offset: number, length: number][];
}

/** Why a text index file was refused (the index is then built again). */
export class TextIndexFileError extends Error {}

/** The file's path: beside the SQLite database, in the data directory. */
export function textIndexPath(database: Database): string | undefined {
  return database.kind === 'sqlite' && database.file
    ? join(dirname(database.file), 'search-text.index')
    : undefined;
}

const align8 = (n: number) => (n + 7) & ~7;
/** CRC and checks in slices: a 55 MB file never holds the event loop for more than a few ms. */
const SLICE = 4 << 20;

/** The header and the file's layout (the arrays' offsets). */
function layout(data: TextIndexData, mark: SnapshotMark): { header: Header; text: string } {
  const header: Header = {
    v: VERSION,
    le: endianness() === 'LE',
    ...mark,
    bytes: 0,
    maxId: data.maxId,
    docs: data.docs,
    arrays: [],
  };
  // Offsets depend on the header's length, which depends on the offsets' digits: settle in passes.
  let text = '';
  for (let pass = 0; pass < 4; pass++) {
    let at = align8(16 + Buffer.byteLength(text));
    header.arrays = NAMES.map((name) => {
      const entry: [ArrayName, number, number] = [name, at, data[name].length];
      at = align8(at + data[name].byteLength);
      return entry;
    });
    header.bytes = at;
    const next = JSON.stringify(header);
    if (next === text) break;
    text = next;
  }
  return { header, text };
}

/** The file's pieces in order (header, arrays, zero padding), without copying the arrays. */
function pieces(data: TextIndexData, mark: SnapshotMark): { parts: Uint8Array[]; bytes: number } {
  const { header, text } = layout(data, mark);
  const head = Buffer.alloc(header.arrays[0]![1]);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(text), 8);
  head.write(text, 16, 'utf8');
  const parts: Uint8Array[] = [head];
  let at = head.length;
  for (const [name, offset] of header.arrays) {
    if (offset > at) parts.push(new Uint8Array(offset - at));
    const a = data[name];
    parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    at = offset + a.byteLength;
  }
  if (header.bytes > at) parts.push(new Uint8Array(header.bytes - at));
  let crc = crc32(head.subarray(16));
  for (const p of parts.slice(1)) crc = crc32(p, crc);
  head.writeUInt32LE(crc, 12);
  return { parts, bytes: header.bytes };
}

/**
 * Writes the index to `path` (a temporary file renamed over it: a reader never sees half a file);
 * synchronous (a CLI rebuild, a worker thread). Returns the file's size.
 */
export function writeTextIndexFile(path: string, data: TextIndexData, mark: SnapshotMark): number {
  const { parts, bytes } = pieces(data, mark);
  replaceFileSync(path, parts);
  return bytes;
}

/**
 * Writes the index to `path` without blocking the event loop for long (a server, after its
 * build): the writes go to libuv's thread pool, the checksum was computed beforehand.
 */
export async function writeTextIndexFileAsync(
  path: string,
  data: TextIndexData,
  mark: SnapshotMark,
): Promise<number> {
  const { parts, bytes } = pieces(data, mark);
  await replaceFile(path, parts);
  return bytes;
}

/** The file open for reading, or undefined when there is none. */
async function openIfExists(path: string) {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A file read back: the index's arrays (views on the file's buffer) and its mark. */
export interface LoadedTextIndex {
  data: TextIndexData;
  mark: SnapshotMark;
  bytes: number;
}

/**
 * Reads a text index file: undefined when there is none, a TextIndexFileError when it is
 * truncated, damaged, or of another format or byte order.
 */
export async function readTextIndexFile(path: string): Promise<LoadedTextIndex | undefined> {
  const fh = await openIfExists(path);
  if (!fh) return undefined;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    const size = (await fh.stat()).size;
    // Its own ArrayBuffer, at offset 0: every array view is aligned.
    bytes = new Uint8Array(new ArrayBuffer(size));
    let read = 0;
    while (read < size) {
      const { bytesRead } = await fh.read(bytes, read, Math.min(SLICE * 4, size - read), read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read < size) throw new TextIndexFileError(`read ${read} of ${size} bytes`);
  } finally {
    await fh.close();
  }
  // The checksum in slices, the event loop serving between them.
  let crc = 0;
  for (let at = 16; at < bytes.length; at += SLICE) {
    crc = crc32(bytes.subarray(at, Math.min(bytes.length, at + SLICE)), crc);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return parseTextIndexFile(bytes, crc);
}

/** The mark in a text index file's header (undefined: no file), before reading the whole file. */
export async function readTextIndexMark(path: string): Promise<SnapshotMark | undefined> {
  const fh = await openIfExists(path);
  if (!fh) return undefined;
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (bytesRead < 16 || head.toString('latin1', 0, 8) !== MAGIC)
      throw new TextIndexFileError('not a text index file');
    const length = head.readUInt32LE(8);
    if (length > 1 << 20) throw new TextIndexFileError('unreadable header');
    const text = Buffer.alloc(length);
    if ((await fh.read(text, 0, length, 16)).bytesRead < length)
      throw new TextIndexFileError('unreadable header');
    let header: Header;
    try {
      header = JSON.parse(text.toString('utf8')) as Header;
    } catch {
      throw new TextIndexFileError('unreadable header');
    }
    return { snapshotId: header.snapshotId, seq: header.seq };
  } finally {
    await fh.close();
  }
}

/**
 * Parses a text index file held in `bytes` (its own buffer, from offset 0; the arrays are views on
 * it); `crc`: the CRC-32 of bytes[16..] when already computed.
 */
export function parseTextIndexFile(bytes: Uint8Array<ArrayBuffer>, crc?: number): LoadedTextIndex {
  if (bytes.length < 16 || Buffer.from(bytes.buffer, 0, 8).toString('latin1') !== MAGIC)
    throw new TextIndexFileError('not a text index file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if ((crc ?? crc32(bytes.subarray(16))) !== view.getUint32(12, true))
    throw new TextIndexFileError(`checksum mismatch (${bytes.length} bytes: truncated or damaged)`);
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, 16, headerLength).toString('utf8')) as Header;
  } catch {
    throw new TextIndexFileError('unreadable header');
  }
  if (header.v !== VERSION) throw new TextIndexFileError(`format ${header.v}, expected ${VERSION}`);
  if (header.le !== (endianness() === 'LE')) throw new TextIndexFileError('written with another byte order');
  if (header.bytes !== bytes.length)
    throw new TextIndexFileError(`${bytes.length} bytes, expected ${header.bytes}`);
  const arrays = {} as { [K in ArrayName]: InstanceType<(typeof KINDS)[K]> };
  for (const [name, offset, length] of header.arrays) {
    const Kind = KINDS[name];
    if (!Kind || offset % 8 !== 0 || offset + length * Kind.BYTES_PER_ELEMENT > bytes.length)
      throw new TextIndexFileError(`array ${name} out of the file`);
    (arrays as Record<string, unknown>)[name] = new Kind(bytes.buffer, offset, length);
  }
  for (const name of NAMES) if (!arrays[name]) throw new TextIndexFileError(`no ${name} array`);
  const terms = arrays.df.length;
  if (
    arrays.termOff.length !== terms + 1 ||
    arrays.postOff.length !== terms + 1 ||
    arrays.denseSlot.length !== terms ||
    arrays.termOff[terms] !== arrays.termBytes.length ||
    arrays.postOff[terms] !== arrays.postings.length ||
    arrays.docLen.length !== header.maxId + 1
  )
    throw new TextIndexFileError('array lengths disagree');
  return {
    data: { ...arrays, maxId: header.maxId, docs: header.docs },
    mark: { snapshotId: header.snapshotId, seq: header.seq },
    bytes: bytes.length,
  };
}

/** How a server keeps its text index on disk (the facts snapshot's options: memory.ts). */
export interface TextIndexFileOptions {
  /** This process builds and writes the file when there is no valid one (one process of a cluster). */
  write: boolean;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** A process that does not write retries loading this often while the file is missing or stale… */
  retryMs?: number;
  /** …for this long, then builds its own index. */
  waitMs?: number;
}

/**
 * Loads the index from the file once, if valid, as this database's text index; its changes since
 * the file's mark are marked dirty (their terms read as for any change). Resolves with what
 * happened; on anything but 'loaded' the caller decides (build, retry).
 */
export async function loadTextIndexFile(
  database: Database,
  log: TextIndexFileOptions['log'],
): Promise<'loaded' | 'missing' | 'invalid' | 'superseded'> {
  const path = textIndexPath(database);
  if (!path) return 'missing';
  const started = performance.now();
  // Installed now, without data: changes this process learns of during the load are marked dirty
  // in it (the log read below may predate them), and no build starts meanwhile.
  const index = new TextIndex();
  let settle!: () => void;
  adoptTextIndex(
    database,
    index,
    new Promise<void>((resolve) => {
      settle = resolve;
    }),
  );
  try {
    const refused = (err: unknown) => {
      log.warn({ err, path }, 'search text index file ignored: rebuilding it');
      return 'invalid' as const;
    };
    // The header first: a file the database no longer records (a process waiting while the
    // writer builds a new one) is refused without reading 55 MB.
    let mark: SnapshotMark | undefined;
    try {
      mark = await readTextIndexMark(path);
    } catch (err) {
      return refused(err);
    }
    if (!mark) return 'missing';
    const since = await textLogSince(database.db, mark.seq);
    if (!isCurrentTextIndex(database, index)) return 'superseded';
    const recorded = (m: SnapshotMark) =>
      since.recorded?.snapshotId === m.snapshotId && since.recorded.seq === m.seq;
    const other = (m: SnapshotMark) => {
      log.info(
        { path, file: m.snapshotId, recorded: since.recorded?.snapshotId ?? null },
        'search text index file not the one the database recorded',
      );
      return 'invalid' as const;
    };
    if (!recorded(mark)) return other(mark);
    let file: LoadedTextIndex | undefined;
    try {
      file = await readTextIndexFile(path);
    } catch (err) {
      return refused(err);
    }
    if (!file) return 'missing';
    // Replaced meanwhile (renamed over): only the recorded one will do.
    if (!recorded(file.mark)) return other(file.mark);
    if (!isCurrentTextIndex(database, index)) return 'superseded';
    if (since.head < file.mark.seq || since.changed.length + index.dirty.size > MAX_DIRTY) {
      log.info({ changed: since.changed.length }, 'search text index file ignored: too many changes since');
      return 'invalid';
    }
    index.data = file.data;
    markTextIndexDirty(database, since.changed);
    log.info(
      { path, bytes: file.bytes, changed: since.changed.length, ms: Math.round(performance.now() - started) },
      'search text index loaded from file',
    );
    return 'loaded';
  } finally {
    settle();
  }
}

/**
 * Builds the index in a worker thread and, in this process that writes the file, writes it once
 * built and recorded (the mark reserved before the build reads the documents).
 */
async function buildAndWrite(database: Database, options: TextIndexFileOptions) {
  const path = textIndexPath(database)!;
  const snapshotId = randomUUID();
  const seq = await reserveTextSnapshot(database.db, snapshotId);
  startTextIndexBuild(database, (data) => {
    if (seq === undefined) return;
    const started = performance.now();
    writeTextIndexFileAsync(path, data, { snapshotId, seq }).then(
      (bytes) =>
        options.log.info(
          { path, bytes, seq, ms: Math.round(performance.now() - started) },
          'search text index file written',
        ),
      (err) => options.log.warn({ err, path }, 'search text index file not written'),
    );
  });
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    // Never keeps a process alive for this alone.
    setTimeout(resolve, ms).unref();
  });

/**
 * A server's text index comes from the file (SQLite with a data directory; see the module
 * comment). Call after the facts are ready: the load runs in the background. Resolves when this
 * process has an index or a build under way.
 */
export async function useTextIndexFile(database: Database, options: TextIndexFileOptions): Promise<void> {
  if (!textIndexPath(database) || !textIndexEnabled()) return;
  // An index dropped later (a full rebuild, too many changes) comes back the same way: the file
  // if valid, else the writer's build (and file), the others waiting for it.
  setTextIndexSource(database, () => {
    useTextIndexFile(database, options).catch((err) =>
      options.log.warn({ err }, 'search text index file not loaded'),
    );
  });
  const retryMs = options.retryMs ?? 5_000;
  const waitMs = options.waitMs ?? 180_000;
  const until = performance.now() + waitMs;
  for (;;) {
    const r = await loadTextIndexFile(database, options.log);
    if (r === 'loaded' || r === 'superseded') return;
    // The load's index, still without data, stays the database's while this process waits (no
    // build); a full rebuild or too many changes drop it, and the next text match starts over.
    const waiting = currentTextIndex(database);
    if (options.write) return buildAndWrite(database, options);
    if (performance.now() >= until) {
      options.log.info({ waitedMs: waitMs }, 'search text index file did not come: building it here');
      startTextIndexBuild(database);
      return;
    }
    await sleep(retryMs);
    if (!waiting || !isCurrentTextIndex(database, waiting)) return;
  }
}

/**
 * After a full rebuild of search_documents (rebuildSearchIndex: `comptoir seed`, a transfer):
 * builds the index here, synchronously, and writes and records the file, so that the next server
 * starts from it. Returns the file's size, or undefined when there is no file (none to write, or
 * it could not be: the rebuild itself succeeded, and a server builds the index as without file).
 */
export async function writeTextIndexAfterRebuild(database: Database): Promise<number | undefined> {
  const path = textIndexPath(database);
  if (!path || !database.sqlite || !textIndexEnabled()) return undefined;
  const snapshotId = randomUUID();
  const seq = await reserveTextSnapshot(database.db, snapshotId);
  if (seq === undefined) return undefined;
  try {
    const data = buildTextIndexFrom(database.sqlite);
    return writeTextIndexFile(path, data, { snapshotId, seq });
  } catch {
    // A document the index refuses (text-index.ts), a full disk: the recorded id has no file, so
    // a server's start builds (and reports) as if there were none.
    return undefined;
  }
}

// A server's text index comes from the file once its facts are ready (one hook for `comptoir
// serve` and every cluster worker; the facts snapshot's writer is the file's writer).
onFactsSnapshotReady((database, options) => {
  setTextIndexLog(database, options.log);
  // Facts loaded again (after a full rebuild) while an index is loading or built: that one stands.
  if (currentTextIndex(database)) return;
  useTextIndexFile(database, options).catch((err) =>
    options.log.warn({ err }, 'search text index file not loaded'),
  );
});
