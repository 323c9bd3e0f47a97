/**
 * Worker thread building the text index (text-index.ts) of a PostgreSQL database with its own
 * connection, so the server's event loop keeps answering. The documents' lexemes are read in
 * keyset pages within one repeatable-read transaction (one snapshot, as the SQLite build's one read
 * transaction), kept as term numbers (outside the bounded heap) and given twice to the build, which
 * makes two passes. The arrays are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.ts';
import type { DocTermsRow } from './text-index.repository.ts';
import { buildTextIndex, transferListOf } from './text-index.ts';
import { tsDocumentPage } from './text-index-pg.repository.ts';

const { url } = workerData as { url: string };
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

const database = openDatabase({ databaseUrl: url, dataDir: '.', poolSize: 1 });
try {
  await database.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      let after = 0;
      for (;;) {
        const page = await tsDocumentPage(tx, after, PAGE);
        for (const r of page) add(r);
        if (page.length < PAGE) break;
        after = Number(page[page.length - 1]!.product_id);
      }
    });
  const data = buildTextIndex(rows);
  parentPort!.postMessage({ data }, transferListOf(data));
} finally {
  await database.close();
}
