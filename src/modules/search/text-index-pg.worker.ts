/**
 * Worker thread giving a PostgreSQL database's text index (text-index.ts) to its server, with its
 * own connection, so the server's event loop keeps answering. Once per deployment (migration 074,
 * docs/decisions/0011-text-index-in-postgresql.md): under the schema's advisory lock (one instance
 * at a time; the others wait here, then load what it stored), the index stored in the database is
 * loaded when the change log still covers what changed since its snapshot (those products are sent
 * with it: the server re-reads their lexemes as for any change); else it is built and stored.
 *
 * The build: the documents' lexemes are read in keyset pages within one repeatable-read
 * transaction (one snapshot, as the SQLite build's one read transaction; stored with the index),
 * kept as term numbers (outside the bounded heap) and given twice to the build, which makes two
 * passes. The arrays are transferred, not copied.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.ts';
import type { DocTermsRow } from './text-index.repository.ts';
import { buildTextIndex, type TextIndexData, transferListOf } from './text-index.ts';
import { parseTextIndexFile, writeTextIndexFile } from './text-index-file.ts';
import { tsDocumentPage } from './text-index-pg.repository.ts';
import type { PgTextIndexMessage } from './text-index-state.ts';
import {
  currentSnapshot,
  lockTextIndexStore,
  storedTextIndex,
  storedTextIndexPart,
  storeTextIndex,
  textChangesSince,
  textIndexStoreExists,
  unlockTextIndexStore,
} from './text-index-store.repository.ts';

const { url, maxChanged } = workerData as { url: string; maxChanged: number };
const PAGE = 5000;
/** Only these texts are kept (text-index.ts tokensOf refuses others). */
const FOREIGN = /[^a-z0-9 ]/;

/**
 * The documents as term numbers (first seen first: the common terms take one byte), varints in
 * chunks of 16 MiB (no copy as they grow): per document its title's count and terms, then its
 * body's. About 70 bytes a document at 1M, where its lexemes' text took 233.
 */
const names: string[] = [];
const numbers = new Map<string, number>();
const CHUNK = 1 << 24;
const chunks: Uint8Array[] = [new Uint8Array(CHUNK)];
let chunk = chunks[0]!;
let used = 0;
/** The bytes used of each chunk but the last. */
const ends: number[] = [];
let ids = new Int32Array(1 << 16);
let docs = 0;
/** The current document's bytes (a new chunk when they do not fit). */
let scratch: number[] = [];

function varint(v: number) {
  while (v >= 0x80) {
    scratch.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  scratch.push(v);
}

function terms(text: string) {
  if (FOREIGN.test(text)) throw new Error('search document lexemes the text index does not tokenise');
  const list = text === '' ? [] : text.split(' ');
  varint(list.length);
  for (const t of list) {
    let k = numbers.get(t);
    if (k === undefined) {
      k = names.length;
      // A copy: a slice would keep the whole row's text alive.
      const own = Buffer.from(t, 'latin1').toString('latin1');
      names.push(own);
      numbers.set(own, k);
    }
    varint(k);
  }
}

function add(r: DocTermsRow) {
  if (docs === ids.length) {
    const grown = new Int32Array(ids.length * 2);
    grown.set(ids);
    ids = grown;
  }
  ids[docs++] = Number(r.product_id);
  scratch = [];
  terms(r.title_terms ?? '');
  terms(r.body_terms ?? '');
  if (used + scratch.length > chunk.length) {
    ends.push(used);
    chunk = new Uint8Array(Math.max(CHUNK, scratch.length));
    chunks.push(chunk);
    used = 0;
  }
  chunk.set(scratch, used);
  used += scratch.length;
}

function* rows(): Iterable<DocTermsRow> {
  let c = 0;
  let bytes = chunks[0]!;
  let at = 0;
  const next = () => {
    let byte = bytes[at++]!;
    let v = byte & 0x7f;
    let shift = 7;
    while (byte & 0x80) {
      byte = bytes[at++]!;
      v |= (byte & 0x7f) << shift;
      shift += 7;
    }
    return v;
  };
  const text = () => {
    const n = next();
    const out: string[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = names[next()]!;
    return out.join(' ');
  };
  for (let k = 0; k < docs; k++) {
    // A document never straddles two chunks; the rest of a chunk past its last one is unused.
    if (c < ends.length && at >= ends[c]!) {
      bytes = chunks[++c]!;
      at = 0;
    }
    const title_terms = text();
    const body_terms = text();
    yield { product_id: ids[k]!, title_terms, body_terms };
  }
}

/** Reads the documents' lexemes in one repeatable-read transaction; returns its snapshot. */
async function readDocuments(db: typeof database.db): Promise<string> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      // First statement: the transaction's snapshot, the one every page below is read in.
      const snapshot = await currentSnapshot(tx);
      let after = 0;
      for (;;) {
        const page = await tsDocumentPage(tx, after, PAGE);
        for (const r of page) add(r);
        if (page.length < PAGE) break;
        after = Number(page[page.length - 1]!.product_id);
      }
      return snapshot;
    });
}

/**
 * The stored index if there is one and the log covers its changes since; undefined otherwise.
 * Throws when a stored one is damaged (parts missing, checksum, another index's parts): the
 * caller builds again and the server logs why.
 */
async function loadStored(db: typeof database.db): Promise<PgTextIndexMessage | undefined> {
  const stored = await storedTextIndex(db);
  if (!stored) return undefined;
  const changed = await textChangesSince(db, stored.snapshot, maxChanged);
  if (!changed) return undefined;
  // Its own ArrayBuffer, at offset 0: every array view is aligned (parseTextIndexFile).
  const bytes = new Uint8Array(new ArrayBuffer(stored.bytes));
  let at = 0;
  for (let part = 0; part < stored.parts; part++) {
    const chunk = await storedTextIndexPart(db, stored.indexId, part);
    if (!chunk || at + chunk.length > bytes.length)
      throw new Error(`stored part ${part} missing or too long`);
    bytes.set(chunk, at);
    at += chunk.length;
  }
  if (at !== bytes.length) throw new Error(`stored parts hold ${at} bytes, expected ${bytes.length}`);
  const loaded = parseTextIndexFile(bytes);
  if (loaded.mark.snapshotId !== stored.indexId) throw new Error('stored parts of another index');
  return { data: loaded.data, from: 'stored', changed };
}

/** The index in the text index file's format (text-index-file.ts), through a temporary file. */
function serialise(data: TextIndexData, indexId: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'comptoir-text-index-'));
  try {
    const path = join(dir, 'search-text.index');
    writeTextIndexFile(path, data, { snapshotId: indexId, seq: 0 });
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const send = (m: PgTextIndexMessage) =>
  // A loaded index's arrays are views on one buffer: each transferred once.
  parentPort!.postMessage(m, m.data ? [...new Set(transferListOf(m.data))] : []);

const database = openDatabase({ databaseUrl: url, dataDir: '.', poolSize: 1 });
try {
  // One connection for the lock's whole life (a session lock is the connection's).
  await database.db.connection().execute(async (db) => {
    if (!(await textIndexStoreExists(db))) {
      // A schema without migration 074 (a tool opening it unmigrated): built, not stored.
      await readDocuments(db);
      send({ data: buildTextIndex(rows), from: 'built' });
      return;
    }
    await lockTextIndexStore(db);
    try {
      // Anything wrong with the stored one (a header out of bounds included): built again, and
      // the server logs why.
      let storedRefused: string | undefined;
      const loaded = await loadStored(db).catch((err: unknown) => {
        storedRefused = err instanceof Error ? err.message : String(err);
        return undefined;
      });
      if (loaded) {
        send(loaded);
        return;
      }
      const snapshot = await readDocuments(db);
      const data = buildTextIndex(rows);
      const indexId = randomUUID();
      const bytes = serialise(data, indexId);
      // The server gets the index now; the store follows (the bytes are a copy of the arrays).
      send({ data, from: 'built', ...(storedRefused ? { storedRefused } : {}) });
      await storeTextIndex(db, { indexId, snapshot }, bytes);
    } finally {
      await unlockTextIndexStore(db);
    }
  });
} finally {
  await database.close();
}
