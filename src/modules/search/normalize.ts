import { createRequire } from 'node:module';

/**
 * Text normalisation shared by indexing and querying, on both databases: the database only ever
 * sees plain ASCII tokens [a-z0-9], so SQLite FTS5 and PostgreSQL's 'simple' tsvector match the
 * same documents.
 *
 * fold: lowercase, accents removed, ligatures œ→oe æ→ae ß→ss, apostrophes unified.
 * tokens: words split on anything else; French elisions (l', d', qu'…) dropped; stop words dropped
 * (but "thé" and "dé" written with their accent are words: tea and a die, not "the" and "de").
 * terms of a word: the folded word, its French and English Snowball stems, and the singular of
 * irregular plurals Snowball misses (bijoux→bijou, chevaux→cheval, yeux→oeil…).
 */

const require = createRequire(import.meta.url);
const snowball = require('snowball-stemmers') as {
  newStemmer(lang: string): { stem(word: string): string };
};
const frStemmer = snowball.newStemmer('french');
const enStemmer = snowball.newStemmer('english');

/** Irregular plurals (French -x plurals, -aux/-ail, English irregulars) mapped to their singular. */
export const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  bijoux: 'bijou',
  cailloux: 'caillou',
  choux: 'chou',
  genoux: 'genou',
  hiboux: 'hibou',
  joujoux: 'joujou',
  poux: 'pou',
  yeux: 'oeil',
  chevaux: 'cheval',
  travaux: 'travail',
  vitraux: 'vitrail',
  coraux: 'corail',
  emaux: 'email',
  soupiraux: 'soupirail',
  jeux: 'jeu',
  feux: 'feu',
  cheveux: 'cheveu',
  neveux: 'neveu',
  voeux: 'voeu',
  bateaux: 'bateau',
  chapeaux: 'chapeau',
  gateaux: 'gateau',
  manteaux: 'manteau',
  couteaux: 'couteau',
  rideaux: 'rideau',
  tableaux: 'tableau',
  cadeaux: 'cadeau',
  oiseaux: 'oiseau',
  animaux: 'animal',
  journaux: 'journal',
  metaux: 'metal',
  cristaux: 'cristal',
  bocaux: 'bocal',
  vegetaux: 'vegetal',
  sacs: 'sac',
  children: 'child',
  men: 'man',
  women: 'woman',
  feet: 'foot',
  teeth: 'tooth',
  mice: 'mouse',
  geese: 'goose',
  knives: 'knife',
  leaves: 'leaf',
  loaves: 'loaf',
  wolves: 'wolf',
  shelves: 'shelf',
};

/** Words that carry no meaning for search, in both languages (after folding). */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'au',
  'aux',
  'avec',
  'ce',
  'de',
  'des',
  'du',
  'en',
  'et',
  'la',
  'le',
  'les',
  'ou',
  'par',
  'pour',
  'sur',
  'un',
  'une',
  'an',
  'and',
  'for',
  'in',
  'of',
  'on',
  'or',
  'the',
  'to',
  'with',
]);

const ELISION = /^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'(?=.)/;

/**
 * Accented words that fold to a stop word but name things people buy: "thé" (tea) folds to "the",
 * "dé" (a die, a thimble) to "de". Written with their accent, they are words, not stop words.
 */
const ACCENTED_WORD = /(?<![\p{L}\p{N}\p{M}])(th|d)é(s?)(?![\p{L}\p{N}\p{M}])/giu;
/** Marks such a word through fold() and words(): ASCII letters and digits only, so one token. */
const KEPT_MARK = '0kept0';

/** Lowercase, strip accents, fold ligatures and apostrophes. */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .replace(/[’‘`´ʼ]/g, "'")
    .normalize('NFD')
    .replace(/\p{M}+/gu, '');
}

/** Folded words of a text without its stop words ("thé" and "dé" written with the accent are kept). */
function meaningfulWords(text: string): string[] {
  // Only a text with an é (composed or not) can hold one; the rest goes the usual way.
  const marked = /é|É|\u0301/.test(text)
    ? text
        .normalize('NFC')
        .replace(ACCENTED_WORD, (_m, head: string, plural: string) => `${KEPT_MARK}${head}e${plural}`)
    : text;
  const out: string[] = [];
  for (const w of words(marked)) {
    if (w.startsWith(KEPT_MARK)) out.push(w.slice(KEPT_MARK.length));
    else if (!STOP_WORDS.has(w)) out.push(w);
  }
  return out;
}

/** Folded words of a text, elisions removed, stop words kept (callers decide). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of fold(text).split(/[^a-z0-9']+/)) {
    for (const piece of raw.replace(ELISION, '').split("'")) {
      if (piece) out.push(piece);
    }
  }
  return out;
}

/** The singular a word is indexed under: irregular map first, else the word itself. */
export function singular(word: string): string {
  return IRREGULAR_PLURALS[word] ?? word;
}

/** A folded word's terms (termsOf) and query terms (queryTerms), stemmed once per word. */
interface WordTerms {
  all: string[];
  query: string[];
}
const termsCache = new Map<string, WordTerms>();
function wordTerms(word: string): WordTerms {
  const hit = termsCache.get(word);
  if (hit) return hit;
  const terms = computeTerms(word);
  if (termsCache.size > 200_000) termsCache.clear();
  termsCache.set(word, terms);
  return terms;
}

/** Every indexed term a folded word stands for: the word, its singular, French and English stems. */
export function termsOf(word: string): string[] {
  return wordTerms(word).all;
}

function computeTerms(word: string): WordTerms {
  const s = singular(word);
  const set = new Set([word, s]);
  if (/^\d+$/.test(s) || s.length <= 2) {
    const all = [...set].filter((t) => t.length > 0);
    return { all, query: all };
  }
  // Snowball stemming is most of a new query's parse (profiled): each stem is computed once.
  const fr = frStemmer.stem(s);
  const en = enStemmer.stem(s);
  set.add(fr);
  set.add(en);
  const all = [...set].filter((t) => t.length > 0);
  const stems = [...new Set([fr, en])].filter((t) => t.length > 0);
  return { all, query: stems.length ? stems : all };
}

/** The indexed text of a document: space-separated distinct terms (FTS5 and tsvector both read it). */
export function documentTerms(...texts: (string | null | undefined)[]): string {
  const set = new Set<string>();
  for (const text of texts) {
    if (!text) continue;
    for (const w of meaningfulWords(text)) for (const t of termsOf(w)) set.add(t);
  }
  return [...set].join(' ');
}

export interface QueryWord {
  /** The folded word as typed. */
  word: string;
  /**
   * Terms that match it: its French and English stems (every indexed word is also indexed under
   * its stems, so the stems alone find singular and plural forms), or the word itself when it has
   * no stem (numbers, words of 1-2 letters).
   */
  terms: string[];
  /** Last word of an as-you-type query: also matches indexed terms starting with `word`. */
  prefix: boolean;
}

export const MAX_QUERY_WORDS = 8;

/**
 * Parses a user query into words (at most 8, each at most 40 characters). Anything that is not a
 * letter or digit is dropped, so quotes, operators or SQL can never reach the database's query
 * syntax.
 */
export function parseQuery(q: string, opts: { prefixLast?: boolean } = {}): QueryWord[] {
  const ws = meaningfulWords(q.slice(0, 500))
    .map((w) => w.slice(0, 40))
    .filter((w) => /^[a-z0-9]+$/.test(w));
  // Single letters (a stray "d" of "pneus d hiver") would match nearly everything.
  const meaningful = ws.filter((w) => w.length > 1 || /\d/.test(w));
  const chosen = (meaningful.length > 0 ? meaningful : []).slice(0, MAX_QUERY_WORDS);
  return chosen.map((word, i) => ({
    word,
    terms: queryTerms(word),
    prefix: Boolean(opts.prefixLast) && i === chosen.length - 1 && word.length >= 2,
  }));
}

/** The fewest terms that find every indexed form of a word (see QueryWord.terms). */
export function queryTerms(word: string): string[] {
  return wordTerms(word).query;
}

/** Damerau-Levenshtein distance-1 variants of a word (deletions, substitutions, insertions, transpositions). */
export function editsOne(word: string): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const a = word.slice(0, i);
    const b = word.slice(i);
    if (b) out.add(a + b.slice(1));
    if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2));
    for (const c of letters) {
      if (b) out.add(a + c + b.slice(1));
      out.add(a + c + b);
    }
  }
  out.delete(word);
  return [...out];
}
