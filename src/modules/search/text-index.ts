/**
 * In-process inverted index of search_documents (SQLite only): the first read of a common word's
 * or a prefix's hit list costs 10-50 ms of FTS5 (detail=full doclists, prefix expansion), about a
 * millisecond here. It answers the tiered path of textHits (text-match.ts) with the very ids FTS5
 * returns: the documents matching an expression in any column, and those matching it within
 * title_terms, each the first `limit` in ascending id order (FTS5's `limit` in rowid order).
 *
 * Tokens: the indexed texts are documentTerms' output, distinct [a-z0-9]+ terms separated by one
 * space, which FTS5's unicode61 tokenizer (remove_diacritics 2) splits on the spaces and leaves as
 * they are (ASCII letters and digits are token characters, already lower case, without
 * diacritics). A text holding anything else is refused (the build fails, or a changed document
 * makes the index unusable until rebuilt) rather than tokenised differently from FTS5.
 *
 * Layout (flat typed arrays, transferable from the worker that builds it): the distinct terms
 * sorted, as one byte blob and offsets (binary search; a prefix is a range of terms); per term a
 * posting list of varints, one per document holding the term: `idGap << 1` for a body-only
 * document, `(idGap << 2) | (inBody << 1) | 1` for a title one (the body flag costs a bit on title
 * entries only, the fewer); per document its token count over both columns.
 *
 * BM25 (bm25 below): the short lists (MAX_BM25_HITS) are ranked as `-bm25(search_fts, 4.0, 1.0)`
 * ranks them, to the same double: FTS5's fts5Bm25Function (fts5_aux.c) redone with FTS5's own
 * totals (row count and token total of its averages record) and its arithmetic in its order.
 */
import type { DatabaseSync } from 'node:sqlite';
import { type DocTermsRow, withDocumentRows } from './text-index.repository.ts';
import { widened } from './typed-arrays.ts';

/** The flat arrays of a built index (what the worker transfers). */
export interface TextIndexData {
  /** The sorted distinct terms, concatenated (ASCII). */
  termBytes: Uint8Array;
  /** Term k is termBytes[termOff[k], termOff[k + 1]). */
  termOff: Uint32Array;
  /**
   * Term k's postings are postings[postOff[k], postOff[k + 1]): all its documents, or for a dense
   * term only those holding it in the title (the others are in its bitmap).
   */
  postOff: Float64Array;
  postings: Uint8Array;
  /**
   * Dense terms (in 1 document id of 16 or more: a varint list would be as large, and decoding
   * it the main cost of a common word): slot of term k in denseBits, or -1.
   */
  denseSlot: Int32Array;
  /** Per dense term, a bitmap of its documents over ids [0, maxId]: (maxId >>> 5) + 1 words. */
  denseBits: Int32Array;
  /** Documents holding term k (any column). */
  df: Uint32Array;
  /**
   * Per document id (0..maxId), its tokens over both columns (FTS5's xColumnSize(-1), BM25's
   * document length); DOC_LEN_UNKNOWN from that many on (BM25 then left to FTS5).
   */
  docLen: Uint16Array;
  /** Highest document id indexed (0: none), documents and their terms counted. */
  maxId: number;
  docs: number;
}

/** The buffers of an index's arrays, to transfer (not copy) it from the worker thread that built it. */
export function transferListOf(data: TextIndexData): ArrayBuffer[] {
  const { termBytes, termOff, postOff, postings, df, denseSlot, denseBits, docLen } = data;
  return [termBytes, termOff, postOff, postings, df, denseSlot, denseBits, docLen].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** One OR-group of a match expression: exact terms, and an optional prefix (`"w"*`). */
export interface TermGroup {
  terms: string[];
  prefix?: string;
}

/** A match expression as matchExpr writes it for SQLite: groups joined by AND ('all') or OR ('any'). */
export interface ParsedExpr {
  groups: TermGroup[];
  mode: 'all' | 'any';
  /** FTS5's phrases (each quoted term or prefix) in its numbering: their order in the text. */
  phrases: Phrase[];
}

/** One phrase of an expression: a term, or a prefix (`"w"*`). */
export interface Phrase {
  term: string;
  prefix: boolean;
}

/** A document length the Uint16 array does not hold (BM25 of a list holding it: FTS5's). */
export const DOC_LEN_UNKNOWN = 0xffff;
/** bm25()'s column weights as ftsMatchesWithBm25 gives them (title_terms, body_terms). */
export const BM25_TITLE_WEIGHT = 4.0;
export const BM25_BODY_WEIGHT = 1.0;

/**
 * FTS5's totals as its bm25() reads them (averages record): rows, and tokens over all columns; and
 * the natural logarithm FTS5 uses (the C library's, which V8's Math.log is not to the last bit).
 */
export interface FtsTotals {
  rows: number;
  tokens: number;
  ln: (x: number) => number | undefined;
}

const ALT = /^"([a-z0-9]+)"(\*?)$/;

/**
 * The groups of an FTS5 expression of exactly matchExpr's shapes (`("a" OR "b"*) AND ("c")`), or
 * undefined for anything else (then FTS5 answers it).
 */
export function parseMatchExpr(expr: string): ParsedExpr | undefined {
  return parseExprShapes(expr, FTS5_SYNTAX);
}

/**
 * How a backend writes matchExpr's shapes: the word between groups for `all` and for `any` (also
 * between a group's alternatives), an alternative's pattern (its term, then a prefix mark or
 * nothing), and terms to leave to the backend.
 */
export interface ExprSyntax {
  and: string;
  or: string;
  alt: RegExp;
  refused?: (term: string) => boolean;
}
const FTS5_SYNTAX: ExprSyntax = { and: 'AND', or: 'OR', alt: ALT };

/** The groups of an expression of exactly matchExpr's shapes in `syntax`, or undefined for anything else. */
export function parseExprShapes(expr: string, syntax: ExprSyntax): ParsedExpr | undefined {
  if (!expr.startsWith('(') || !expr.endsWith(')')) return undefined;
  const inner = expr.slice(1, -1);
  const and = `) ${syntax.and} (`;
  const or = `) ${syntax.or} (`;
  const hasAnd = inner.includes(and);
  const hasOr = inner.includes(or);
  if (hasAnd && hasOr) return undefined;
  const mode = hasOr ? 'any' : 'all';
  const groups: TermGroup[] = [];
  const phrases: Phrase[] = [];
  for (const g of inner.split(mode === 'all' ? and : or)) {
    const group: TermGroup = { terms: [] };
    for (const alt of g.split(` ${syntax.or} `)) {
      const m = syntax.alt.exec(alt);
      if (!m || syntax.refused?.(m[1]!)) return undefined;
      const prefix = Boolean(m[2]);
      phrases.push({ term: m[1]!, prefix });
      if (prefix) {
        // Two prefixes in one group: not a shape matchExpr writes.
        if (group.prefix !== undefined) return undefined;
        group.prefix = m[1]!;
      } else group.terms.push(m[1]!);
    }
    groups.push(group);
  }
  return groups.length > 0 ? { groups, mode, phrases } : undefined;
}

/** Only these texts are tokenised here (see the module comment). */
const FOREIGN = /[^a-z0-9 ]/;

/** The distinct tokens of a terms text as FTS5 unicode61 sees it, or undefined if it may not. */
export function tokensOf(text: string): string[] | undefined {
  if (FOREIGN.test(text)) return undefined;
  const out: string[] = [];
  for (const t of text.split(' ')) if (t) out.push(t);
  return out;
}

/** Whether a text repeats a token (FTS5 would count it twice: the index holds flags, not counts). */
function repeats(tokens: string[]): boolean {
  return new Set(tokens).size !== tokens.length;
}

const varintLength = (v: number) =>
  v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;

/** A posting: `gap * 2` body only, `gap * 4 + 1` title only, `gap * 4 + 3` both (gap < 2^30: < 2^32). */
const posting = (gap: number, title: boolean, body: boolean) => (title ? gap * 4 + (body ? 3 : 1) : gap * 2);

type DocRow = DocTermsRow;

/**
 * Builds the index from the documents `rows()` yields in ascending id order; `rows` is called
 * twice (sizes, then postings) and must yield the same documents both times (one read transaction).
 */
export function buildTextIndex(rows: () => Iterable<DocRow>): TextIndexData {
  // Pass 1: terms (first-seen ids), document counts, and each term's encoded bytes.
  const ids = new Map<string, number>();
  const names: string[] = [];
  let df = new Uint32Array(1 << 16);
  let bytes = new Float64Array(1 << 16);
  let last = new Int32Array(1 << 16);
  let titleBytes = new Float64Array(1 << 16);
  let lastTitle = new Int32Array(1 << 16);
  // The last document holding term k in its title, and in its body (a repeat in a column refused).
  let stamp = new Int32Array(1 << 16).fill(-1);
  let stampBody = new Int32Array(1 << 16).fill(-1);
  let maxId = 0;
  let docs = 0;
  const grow = () => {
    const n = df.length * 2;
    df = widened(df, n);
    bytes = widened(bytes, n);
    last = widened(last, n);
    titleBytes = widened(titleBytes, n);
    lastTitle = widened(lastTitle, n);
    const old = stamp.length;
    stamp = widened(stamp, n).fill(-1, old);
    stampBody = widened(stampBody, n).fill(-1, old);
  };
  const idOf = (t: string) => {
    let k = ids.get(t);
    if (k === undefined) {
      k = names.length;
      // A copy: a term split from a document's text may be a slice that keeps the whole text
      // alive (V8 sliced strings), tens of MB over a million documents.
      const own = Buffer.from(t, 'latin1').toString('latin1');
      names.push(own);
      ids.set(own, k);
      if (k >= df.length) grow();
    }
    return k;
  };
  const tokens = (r: DocRow) => {
    const title = tokensOf(r.title_terms ?? '');
    const body = tokensOf(r.body_terms ?? '');
    if (!title || !body) throw new Error(`search document ${r.product_id}: text FTS5 may tokenise otherwise`);
    return [title, body] as const;
  };
  const repeated = (r: DocRow) => new Error(`search document ${r.product_id}: a term repeated in a column`);
  let prevId = 0;
  for (const r of rows()) {
    const id = Number(r.product_id);
    if (!(id > prevId) || id >= 2 ** 30) throw new Error('search documents not in ascending id order');
    prevId = id;
    const [title, body] = tokens(r);
    // A posting's length does not depend on its body flag (bits 0-1 of a title entry).
    for (const t of title) {
      const k = idOf(t);
      if (stamp[k] === docs) throw repeated(r);
      stamp[k] = docs;
      df[k]!++;
      bytes[k]! += varintLength(posting(id - last[k]!, true, false));
      last[k] = id;
      titleBytes[k]! += varintLength(posting(id - lastTitle[k]!, true, false));
      lastTitle[k] = id;
    }
    for (const t of body) {
      const k = idOf(t);
      if (stampBody[k] === docs) throw repeated(r);
      stampBody[k] = docs;
      if (stamp[k] === docs) continue;
      df[k]!++;
      bytes[k]! += varintLength(posting(id - last[k]!, false, true));
      last[k] = id;
    }
    maxId = id;
    docs++;
  }
  // The terms in byte order (ASCII: code-unit order is byte order).
  const n = names.length;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) =>
    names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0,
  );
  const termOff = new Uint32Array(n + 1);
  const postOff = new Float64Array(n + 1);
  const sortedDf = new Uint32Array(n);
  const denseFrom = Math.ceil((maxId + 1) / 16);
  const words = (maxId >>> 5) + 1;
  const denseSlot = new Int32Array(n).fill(-1);
  const denseOf = new Int32Array(n).fill(-1);
  let dense = 0;
  let termLength = 0;
  for (let r = 0; r < n; r++) {
    const k = order[r]!;
    termOff[r] = termLength;
    termLength += names[k]!.length;
    if (df[k]! >= denseFrom) {
      denseOf[k] = dense;
      denseSlot[r] = dense++;
    }
    postOff[r + 1] = postOff[r]! + (denseOf[k]! >= 0 ? titleBytes[k]! : bytes[k]!);
    sortedDf[r] = df[k]!;
  }
  const denseBits = new Int32Array(dense * words);
  termOff[n] = termLength;
  const termBytes = new Uint8Array(termLength);
  // Pass 2 writes each term's postings at its cursor (rank order), `last` again the previous id.
  const cursor = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const k = order[r]!;
    const name = names[k]!;
    for (let i = 0; i < name.length; i++) termBytes[termOff[r]! + i] = name.charCodeAt(i);
    cursor[k] = postOff[r]!;
    last[k] = 0;
    stamp[k] = -1;
    stampBody[k] = -1;
  }
  const total = postOff[n]!;
  const postings = new Uint8Array(total);
  const docLen = new Uint16Array(maxId + 1);
  const termOf = (t: string) => {
    const k = ids.get(t);
    if (k === undefined) throw new Error('search documents changed during the text index build');
    return k;
  };
  let doc = 0;
  for (const r of rows()) {
    const id = Number(r.product_id);
    const [title, body] = tokens(r);
    docLen[id] = Math.min(title.length + body.length, DOC_LEN_UNKNOWN);
    // Body flags first (a title entry carries one), then one entry per term.
    for (const t of body) stampBody[termOf(t)] = doc;
    for (const t of title) stamp[termOf(t)] = doc;
    for (let c = 0; c < 2; c++)
      for (const t of c === 0 ? title : body) {
        const k = termOf(t);
        if (c !== 0 && stamp[k] === doc) continue;
        const slot = denseOf[k]!;
        if (slot >= 0) {
          denseBits[slot * words + (id >>> 5)]! |= 1 << (id & 31);
          if (c !== 0) continue;
        }
        // A dense term's list holds its title documents only (`last`: the previous one).
        let v = posting(id - last[k]!, c === 0, stampBody[k] === doc);
        last[k] = id;
        let p = cursor[k]!;
        while (v >= 0x80) {
          postings[p++] = (v & 0x7f) | 0x80;
          v >>>= 7;
        }
        postings[p++] = v;
        cursor[k] = p;
      }
    doc++;
  }
  if (doc !== docs) throw new Error('search documents changed during the text index build');
  for (let r = 0; r < n; r++)
    if (cursor[order[r]!] !== postOff[r + 1])
      throw new Error('search documents changed during the text index build');
  return { termBytes, termOff, postOff, postings, df: sortedDf, denseSlot, denseBits, docLen, maxId, docs };
}

/** Reads search_documents twice in one read transaction of `sqlite` and builds the index. */
export function buildTextIndexFrom(sqlite: DatabaseSync): TextIndexData {
  return withDocumentRows(sqlite, buildTextIndex);
}

/** A changed document's current terms (null: no longer indexed). */
export interface DirtyDoc {
  title: string[];
  body: string[];
}

/** The bitmaps of one evaluation: documents matching in any column, and within the title. */
interface Bitmaps {
  // Int32: a Uint32Array element past 2^31 is read as a heap number, several times slower.
  any: Int32Array;
  title: Int32Array;
}

/**
 * The dirty terms in sorted order, for a prefix's terms by binary search (a loop over every dirty
 * term cost +0.3 ms a prefix search at 18,000 changed documents). Kept cheaply as documents change
 * between searches (a re-sort per new term would cost more than the loop it saves): a term added
 * waits in `added` until the next sort, a removed one stays in `sorted` (skipped: not in `live`),
 * and the sort is redone when either outgrows a sixteenth of the terms.
 */
class SortedTerms {
  private sorted: string[] = [];
  private readonly added = new Set<string>();
  private removed = 0;
  private readonly live: ReadonlyMap<string, unknown>;

  constructor(live: ReadonlyMap<string, unknown>) {
    this.live = live;
  }

  /** A term became live (not live before). */
  add(t: string) {
    if (this.has(t)) this.removed--;
    else this.added.add(t);
  }

  /** A live term is no longer live. */
  delete(t: string) {
    if (!this.added.delete(t)) this.removed++;
  }

  /** Calls `f` with each live term starting with `prefix` until it returns true; whether it did. */
  some(prefix: string, f: (t: string) => unknown): boolean {
    const limit = 64 + (this.sorted.length >>> 4);
    if (this.added.size > limit || this.removed > limit) this.sort();
    const sorted = this.sorted;
    for (let i = this.lowerBound(prefix); i < sorted.length; i++) {
      const t = sorted[i]!;
      if (!t.startsWith(prefix)) break;
      if (this.live.has(t) && f(t)) return true;
    }
    for (const t of this.added) if (t.startsWith(prefix) && f(t)) return true;
    return false;
  }

  private sort() {
    this.sorted = [...this.live.keys()].sort();
    this.added.clear();
    this.removed = 0;
  }

  /** Whether `t` is in `sorted` (live or removed since the sort). */
  private has(t: string): boolean {
    const i = this.lowerBound(t);
    return i < this.sorted.length && this.sorted[i] === t;
  }

  /** The first index of `sorted` not below `t` (code unit order, as sort() leaves it). */
  private lowerBound(t: string): number {
    const sorted = this.sorted;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * A built index and the documents changed since its build began ("dirty": the base postings no
 * longer speak for them; their current terms, once read, are matched directly).
 */
export class TextIndex {
  /** The base postings (undefined while the build runs). */
  data?: TextIndexData;
  /** Documents changed since the build began, with their current terms when read (undefined: not yet). */
  readonly dirty = new Map<number, DirtyDoc | null | undefined>();
  /** The mark of each dirty document's latest change (a read older than it is not its terms). */
  private readonly marks = new Map<number, number>();
  private mark = 0;
  /** Dirty documents whose terms are not read yet: the index cannot answer meanwhile. */
  unread = 0;
  /**
   * The dirty documents as lists() and bm25() need them, kept as they are marked and read (a
   * search passed over every dirty document per call: tens of thousands after a day of shop syncs):
   * the highest dirty id, a bitmap of the dirty ids (their base postings to clear), and per term,
   * the dirty documents holding it now (the only ones an expression's groups can match).
   */
  private dirtyTop = -1;
  private dirtyMask = new Int32Array(0);
  private readonly dirtyTerms = new Map<string, Set<number>>();
  /** dirtyTerms' terms in order, for the terms starting with a prefix. */
  private readonly dirtySorted = new SortedTerms(this.dirtyTerms);
  /** A changed document held a text this index does not tokenise: unusable until rebuilt. */
  broken = false;

  /** Whether queries can be answered now. */
  get usable(): boolean {
    return this.data !== undefined && !this.broken && this.unread === 0;
  }

  /**
   * Marks documents changed (written and committed already): their terms are to be read, by a read
   * begun after this call, whose results are given to setDirty with the mark returned.
   */
  markDirty(ids: readonly number[]): number {
    const mark = ++this.mark;
    for (const id of ids) {
      const was = this.dirty.get(id);
      if (was !== undefined || !this.dirty.has(id)) this.unread++;
      if (was) this.termsOut(id, was);
      this.dirty.set(id, undefined);
      this.marks.set(id, mark);
      // Not a document id (none has a row, nor base entries): nothing to clear or match.
      if (!(Number.isInteger(id) && id >= 0 && id < 2 ** 31)) continue;
      if (id > this.dirtyTop) this.dirtyTop = id;
      const w = id >>> 5;
      if (w >= this.dirtyMask.length)
        this.dirtyMask = widened(this.dirtyMask, Math.max(w + 1, this.dirtyMask.length * 2));
      this.dirtyMask[w]! |= 1 << (id & 31);
    }
    return mark;
  }

  /**
   * Sets a dirty document's current terms (null: not indexed) as read after markDirty returned
   * `mark`; ignored when a later change is to be read again, or when it has its terms already.
   */
  setDirty(id: number, doc: { title_terms: string; body_terms: string } | null, mark: number) {
    if (this.marks.get(id) !== mark || this.dirty.get(id) !== undefined) return;
    this.unread--;
    if (!doc) {
      this.dirty.set(id, null);
      return;
    }
    const title = tokensOf(doc.title_terms ?? '');
    const body = tokensOf(doc.body_terms ?? '');
    if (!title || !body || repeats(title) || repeats(body)) {
      this.broken = true;
      this.dirty.set(id, null);
      return;
    }
    const read: DirtyDoc = { title, body };
    this.dirty.set(id, read);
    for (const t of title) this.termIn(t, id);
    for (const t of body) this.termIn(t, id);
  }

  private termIn(t: string, id: number) {
    let ids = this.dirtyTerms.get(t);
    if (!ids) {
      ids = new Set();
      this.dirtyTerms.set(t, ids);
      this.dirtySorted.add(t);
    }
    ids.add(id);
  }

  /** Forgets a dirty document's terms (changed again: they are to be read anew). */
  private termsOut(id: number, doc: DirtyDoc) {
    for (const t of [...doc.title, ...doc.body]) {
      const ids = this.dirtyTerms.get(t);
      if (!ids) continue;
      ids.delete(id);
      if (ids.size === 0) {
        this.dirtyTerms.delete(t);
        this.dirtySorted.delete(t);
      }
    }
  }

  /** The dirty documents (read) holding a term of a group now, or one starting with its prefix. */
  private dirtyHolding(terms: readonly string[], prefix: string | undefined, out: Set<number>) {
    for (const t of terms) {
      const ids = this.dirtyTerms.get(t);
      if (ids) for (const id of ids) out.add(id);
    }
    if (prefix !== undefined)
      this.dirtySorted.some(prefix, (t) => {
        for (const id of this.dirtyTerms.get(t)!) out.add(id);
      });
  }

  /** How many dirty documents term rank `r`'s base postings hold (any column). */
  private dirtyIn(r: number): number {
    const { postings, postOff, denseSlot, denseBits, maxId } = this.data!;
    const mask = this.dirtyMask;
    const slot = denseSlot[r]!;
    let n = 0;
    if (slot >= 0) {
      // A dense term: its bitmap has them all.
      const words = (maxId >>> 5) + 1;
      const o = slot * words;
      for (let w = 0, end = Math.min(words, mask.length); w < end; w++) {
        const x = mask[w]! & denseBits[o + w]!;
        if (x !== 0) n += bitsIn(x);
      }
      return n;
    }
    let p = postOff[r]!;
    const end = postOff[r + 1]!;
    let id = 0;
    while (p < end) {
      let byte = postings[p++]!;
      let v = byte & 0x7f;
      let shift = 7;
      while (byte & 0x80) {
        byte = postings[p++]!;
        v |= (byte & 0x7f) << shift;
        shift += 7;
      }
      id += v & 1 ? v >>> 2 : v >>> 1;
      const w = id >>> 5;
      if (w < mask.length && (mask[w]! & (1 << (id & 31))) !== 0) n++;
    }
    return n;
  }

  /** Clears the dirty documents' bits in the first `words` words of a bitmap (their base postings). */
  private clearDirty(bits: Int32Array, words: number) {
    const mask = this.dirtyMask;
    const n = Math.min(words, mask.length);
    for (let w = 0; w < n; w++) bits[w]! &= ~mask[w]!;
  }

  /** Bytes of the index's arrays. */
  get bytes(): number {
    const d = this.data;
    if (!d) return 0;
    return (
      d.termBytes.byteLength +
      d.termOff.byteLength +
      d.postOff.byteLength +
      d.postings.byteLength +
      d.df.byteLength +
      d.denseSlot.byteLength +
      d.denseBits.byteLength +
      d.docLen.byteLength
    );
  }

  /** Compares term `r` with `s` (code units; the terms are ASCII). */
  private compare(r: number, s: string): number {
    const { termBytes, termOff } = this.data!;
    const start = termOff[r]!;
    const len = termOff[r + 1]! - start;
    const n = Math.min(len, s.length);
    for (let i = 0; i < n; i++) {
      const d = termBytes[start + i]! - s.charCodeAt(i);
      if (d !== 0) return d;
    }
    return len - s.length;
  }

  /** The first term rank not below `s`. */
  private lowerBound(s: string): number {
    let lo = 0;
    let hi = this.data!.df.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(mid, s) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The rank of a term, or -1. */
  rankOf(term: string): number {
    const r = this.lowerBound(term);
    return r < this.data!.df.length && this.compare(r, term) === 0 ? r : -1;
  }

  /** The ranks [from, to) of the terms starting with `prefix`. */
  prefixRange(prefix: string): [number, number] {
    // \uffff sorts after every ASCII continuation of the prefix.
    return [this.lowerBound(prefix), this.lowerBound(`${prefix}\uffff`)];
  }

  /** The term ranks a group stands for (exact terms and the prefix's range). */
  private ranksOf(group: TermGroup): number[] {
    const out: number[] = [];
    let from = 0;
    let to = 0;
    if (group.prefix !== undefined) [from, to] = this.prefixRange(group.prefix);
    for (let r = from; r < to; r++) out.push(r);
    for (const t of group.terms) {
      const r = this.rankOf(t);
      if (r >= 0 && !(r >= from && r < to)) out.push(r);
    }
    return out;
  }

  /**
   * Whether some document may match a group now: one of its terms, or a term of its prefix, is in
   * the base postings (a term is there only with a document), or a changed document holds one.
   * False: none does, nor FTS5 (the same terms), so an AND with it matches nothing and an OR
   * matches what it does without it. Only a look-up of the terms (no postings read).
   */
  groupMayMatch(group: TermGroup): boolean {
    const data = this.data;
    if (!data) return true;
    if (group.prefix !== undefined) {
      const [from, to] = this.prefixRange(group.prefix);
      if (from < to) return true;
    }
    for (const t of group.terms) if (this.rankOf(t) >= 0) return true;
    // A changed document's terms (a term's set is dropped with its last document).
    for (const t of group.terms) if (this.dirtyTerms.has(t)) return true;
    return group.prefix !== undefined && this.dirtySorted.some(group.prefix, () => true);
  }

  /** Sets the bits of the documents of term ranks `ranks` (any column, and title). */
  private decodeInto(ranks: number[], b: Bitmaps) {
    const { postings, postOff, denseSlot, denseBits, maxId } = this.data!;
    const { any, title } = b;
    const words = (maxId >>> 5) + 1;
    for (const r of ranks) {
      const slot = denseSlot[r]!;
      if (slot >= 0) for (let w = 0, o = slot * words; w < words; w++) any[w]! |= denseBits[o + w]!;
      let p = postOff[r]!;
      const end = postOff[r + 1]!;
      let id = 0;
      while (p < end) {
        let byte = postings[p++]!;
        let v = byte & 0x7f;
        let shift = 7;
        while (byte & 0x80) {
          byte = postings[p++]!;
          v |= (byte & 0x7f) << shift;
          shift += 7;
        }
        id += v & 1 ? v >>> 2 : v >>> 1;
        const w = id >>> 5;
        const bit = 1 << (id & 31);
        any[w]! |= bit;
        if (v & 1) title[w]! |= bit;
      }
    }
  }

  /**
   * Adds to `freq[i]` the weighted occurrences (title 4, body 1: one instance per column, the terms
   * being distinct in a column) of term ranks `ranks` in base document `hits[i]`, and sets in
   * `bits` (when given) every base document holding one of them.
   */
  private phraseInto(
    ranks: number[],
    hits: Int32Array,
    hitBits: Int32Array,
    freq: Float64Array,
    bits?: Int32Array,
  ) {
    const { postings, postOff, denseSlot, denseBits, maxId } = this.data!;
    const words = (maxId >>> 5) + 1;
    const lastHit = hits.length > 0 ? hits[hits.length - 1]! : -1;
    const at = (id: number) => {
      let lo = 0;
      let hi = hits.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (hits[mid]! < id) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    for (const r of ranks) {
      const slot = denseSlot[r]!;
      // A dense term: its bitmap has every document, its list the title ones (with body flags).
      const state = slot >= 0 ? new Uint8Array(hits.length) : undefined;
      if (slot >= 0 && bits) for (let w = 0, o = slot * words; w < words; w++) bits[w]! |= denseBits[o + w]!;
      let p = postOff[r]!;
      const end = postOff[r + 1]!;
      let id = 0;
      while (p < end) {
        let byte = postings[p++]!;
        let v = byte & 0x7f;
        let shift = 7;
        while (byte & 0x80) {
          byte = postings[p++]!;
          v |= (byte & 0x7f) << shift;
          shift += 7;
        }
        const inTitle = (v & 1) !== 0;
        id += inTitle ? v >>> 2 : v >>> 1;
        if (id > lastHit && !bits) break;
        const w = id >>> 5;
        const bit = 1 << (id & 31);
        if (bits && !state) bits[w]! |= bit;
        if ((hitBits[w]! & bit) === 0) continue;
        const inBody = !inTitle || (v & 2) !== 0;
        if (state) state[at(id)] = inBody ? 3 : 1;
        else freq[at(id)]! += (inTitle ? BM25_TITLE_WEIGHT : 0) + (inBody ? BM25_BODY_WEIGHT : 0);
      }
      if (state)
        for (let i = 0, o = slot * words; i < hits.length; i++) {
          const id = hits[i]!;
          if (id > maxId || (denseBits[o + (id >>> 5)]! & (1 << (id & 31))) === 0) continue;
          const s = state[i]!;
          freq[i]! +=
            s === 0 ? BM25_BODY_WEIGHT : s === 1 ? BM25_TITLE_WEIGHT : BM25_TITLE_WEIGHT + BM25_BODY_WEIGHT;
        }
    }
  }

  /** A dirty document's weighted occurrences of a phrase. */
  private static phraseFreq(doc: DirtyDoc, phrase: Phrase): number {
    const hit = (t: string) => (phrase.prefix ? t.startsWith(phrase.term) : t === phrase.term);
    let f = 0;
    for (const t of doc.title) if (hit(t)) f += BM25_TITLE_WEIGHT;
    for (const t of doc.body) if (hit(t)) f += BM25_BODY_WEIGHT;
    return f;
  }

  /**
   * `-bm25(search_fts, 4.0, 1.0)` of each document of `hits` (ascending ids, all the documents
   * matching `expr`, as lists() gives them) to the double, given FTS5's current totals; undefined
   * when the index cannot answer now (or a document is too long for docLen). FTS5's
   * fts5Bm25Function: per phrase idf = ln((N − n + 0.5) / (n + 0.5)) (1e-6 if not positive), n the
   * rows matching the phrase alone; per row Σ idf·f·(k1 + 1) / (f + k1·(1 − b + b·D/avgdl)) over
   * the phrases in their order, f the phrase's weighted instances in the row, D its tokens.
   */
  bm25(expr: ParsedExpr, hits: Int32Array, totals: FtsTotals): Float64Array | undefined {
    const data = this.data;
    if (!data || !this.usable || totals.rows <= 0) return undefined;
    const { docLen, df, maxId } = data;
    const words = (Math.max(maxId, this.dirtyTop) >>> 5) + 1;
    const n = hits.length;
    const D = new Float64Array(n);
    // The scratch bitmaps of lists() (bm25 too runs to its end synchronously): no 125 kB arrays
    // allocated per call, and per prefix phrase, at 1M documents.
    const { acc, group } = this.scratchOf(words);
    const hitBits = acc.any;
    hitBits.fill(0, 0, words);
    const dirtyHits: [number, DirtyDoc][] = [];
    for (let i = 0; i < n; i++) {
      const id = hits[i]!;
      const doc = this.dirty.get(id);
      if (doc) {
        D[i] = doc.title.length + doc.body.length;
        dirtyHits.push([i, doc]);
      } else if (doc === null || id > maxId || docLen[id] === DOC_LEN_UNKNOWN) return undefined;
      else D[i] = docLen[id]!;
      // Only base documents are looked up in the postings (a dirty one's are stale).
      if (!doc) hitBits[id >>> 5]! |= 1 << (id & 31);
    }
    const k1 = 1.2;
    const b = 0.75;
    const nRow = totals.rows;
    const avgdl = totals.tokens / nRow;
    const score = new Float64Array(n);
    const freq = new Float64Array(n);
    for (const phrase of expr.phrases) {
      freq.fill(0);
      let ranks: number[];
      if (phrase.prefix) {
        const [from, to] = this.prefixRange(phrase.term);
        ranks = [];
        for (let r = from; r < to; r++) ranks.push(r);
      } else {
        const r = this.rankOf(phrase.term);
        ranks = r >= 0 ? [r] : [];
      }
      let nHit: number;
      if (!phrase.prefix) {
        // One term: its document count, less its changed documents' base entries, plus those
        // holding it now (no bitmap of its documents: a term's count is known).
        const r = ranks.length > 0 ? ranks[0]! : -1;
        nHit = r >= 0 ? df[r]! : 0;
        if (this.dirty.size > 0) {
          if (r >= 0) nHit -= this.dirtyIn(r);
          nHit += this.dirtyTerms.get(phrase.term)?.size ?? 0;
        }
        this.phraseInto(ranks, hits, hitBits, freq);
      } else {
        // A union over the prefix's terms, less the changed documents' base entries, plus the
        // changed documents holding one of its terms now.
        const bits = group.any;
        bits.fill(0, 0, words);
        this.phraseInto(ranks, hits, hitBits, freq, bits);
        this.clearDirty(bits, words);
        const holding = new Set<number>();
        this.dirtyHolding([], phrase.term, holding);
        nHit = popcount(bits, words) + holding.size;
      }
      for (const [i, doc] of dirtyHits) freq[i] = TextIndex.phraseFreq(doc, phrase);
      // fts5Bm25GetData and fts5Bm25Function, operation for operation (the same doubles).
      let idf = totals.ln((nRow - nHit + 0.5) / (nHit + 0.5));
      if (idf === undefined) return undefined;
      if (idf <= 0.0) idf = 1e-6;
      for (let i = 0; i < n; i++) {
        const f = freq[i]!;
        score[i]! += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + (b * D[i]!) / avgdl)));
      }
    }
    // -(-1.0 * score): the relevance as ftsMatchesWithBm25 reads it.
    return score;
  }

  /** Whether a dirty document matches a group (in any column, and within the title). */
  private static groupMatch(doc: DirtyDoc, group: TermGroup): { any: boolean; title: boolean } {
    const hit = (t: string) =>
      group.terms.includes(t) || (group.prefix !== undefined && t.startsWith(group.prefix));
    const title = doc.title.some(hit);
    return { any: title || doc.body.some(hit), title };
  }

  /**
   * The bitmaps lists() works in, reused from call to call (lists() runs to its end synchronously):
   * a fresh pair of 125 kB arrays per group at 1M documents, zeroed and collected, was a seventh
   * of its CPU. `words` or more words each; only the first `words` are read.
   */
  private scratch?: { acc: Bitmaps; group: Bitmaps };

  private scratchOf(words: number): { acc: Bitmaps; group: Bitmaps } {
    let s = this.scratch;
    if (!s || s.acc.any.length < words) {
      // Room for documents added past maxId since the build (dirty ids above it).
      const n = words + 64;
      const pair = () => ({ any: new Int32Array(n), title: new Int32Array(n) });
      s = { acc: pair(), group: pair() };
      this.scratch = s;
    }
    return s;
  }

  /**
   * The documents matching an expression in any column and within title_terms, each the first
   * `limit` ids in ascending order; undefined when the index cannot answer now.
   */
  lists(expr: ParsedExpr, limit: number): { plain: Int32Array; title: Int32Array } | undefined {
    const data = this.data;
    if (!data || !this.usable) return undefined;
    const words = (Math.max(data.maxId, this.dirtyTop) >>> 5) + 1;
    const all = expr.mode === 'all';
    // Smaller groups first (by documents): an empty group ends an AND early.
    const groups = expr.groups.map((g) => {
      const ranks = this.ranksOf(g);
      let n = 0;
      for (const r of ranks) n += data.df[r]!;
      return { ranks, n };
    });
    if (all) groups.sort((a, b) => a.n - b.n);
    const { acc, group } = this.scratchOf(words);
    acc.any.fill(0, 0, words);
    acc.title.fill(0, 0, words);
    let first = true;
    for (const { ranks } of groups) {
      if (all && ranks.length === 0) {
        acc.any.fill(0, 0, words);
        acc.title.fill(0, 0, words);
        break;
      }
      // The first group, and every group of an OR, sets its bits in the result directly.
      if (first || !all) {
        this.decodeInto(ranks, acc);
        first = false;
        continue;
      }
      group.any.fill(0, 0, words);
      group.title.fill(0, 0, words);
      this.decodeInto(ranks, group);
      const { any, title } = acc;
      for (let w = 0; w < words; w++) {
        any[w]! &= group.any[w]!;
        title[w]! &= group.title[w]!;
      }
    }
    if (this.dirty.size > 0) {
      this.clearDirty(acc.any, words);
      this.clearDirty(acc.title, words);
    }
    // Only a dirty document holding one of the expression's terms can match it.
    const holding = new Set<number>();
    if (this.dirtyTerms.size > 0) for (const g of expr.groups) this.dirtyHolding(g.terms, g.prefix, holding);
    for (const id of holding) {
      const doc = this.dirty.get(id);
      const w = id >>> 5;
      const bit = 1 << (id & 31);
      if (!doc) continue;
      let any = all;
      let title = all;
      for (const g of expr.groups) {
        const m = TextIndex.groupMatch(doc, g);
        if (all) {
          any &&= m.any;
          title &&= m.title;
        } else {
          any ||= m.any;
          title ||= m.title;
        }
      }
      if (any) acc.any[w]! |= bit;
      if (title) acc.title[w]! |= bit;
    }
    return { plain: firstIds(acc.any, words, limit), title: firstIds(acc.title, words, limit) };
  }
}

/** The set bits of a 32-bit word (SWAR: a handful of operations, not one per bit). */
function bitsIn(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The set bits of the first `words` words of a bitmap. */
function popcount(bits: Int32Array, words: number): number {
  let n = 0;
  for (let w = 0; w < words; w++) n += bitsIn(bits[w]!);
  return n;
}

/** Where firstIds writes, reused (grown to the largest limit asked): the result is a copy of its start. */
let idScratch = new Int32Array(0);

/**
 * The first `limit` set bits of the first `words` words of a bitmap, ascending, each taken by its
 * lowest bit (Math.clz32) in one pass, then copied out: no counting pass, no zeroed result.
 */
function firstIds(bits: Int32Array, words: number, limit: number): Int32Array {
  if (idScratch.length < limit) idScratch = new Int32Array(limit);
  const out = idScratch;
  let k = 0;
  for (let w = 0; w < words && k < limit; w++) {
    let x = bits[w]!;
    while (x !== 0) {
      const low = x & -x;
      out[k++] = (w << 5) | (31 - Math.clz32(low));
      if (k === limit) break;
      x ^= low;
    }
  }
  return out.slice(0, k);
}
