import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Lang = 'fr' | 'en';
export const LANGS: readonly Lang[] = ['fr', 'en'];
export const DEFAULT_LANG: Lang = 'fr';

export interface MessageBundle {
  fr: Record<string, string>;
  en: Record<string, string>;
}

const dir = fileURLToPath(new URL('./messages/', import.meta.url));
const catalog: MessageBundle = { fr: {}, en: {} };
// Each module keeps its own bundle file in ./messages/ (no shared file to edit when a module grows).
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  const mod = (await import(pathToFileURL(dir + f).href)) as { default: MessageBundle };
  Object.assign(catalog.fr, mod.default.fr);
  Object.assign(catalog.en, mod.default.en);
}

export function isLang(v: unknown): v is Lang {
  return v === 'fr' || v === 'en';
}

/** Translates a message key; `{name}` placeholders take params. Falls back to French, then the key. */
export function t(lang: Lang, key: string, params?: Record<string, string | number>): string {
  const template = catalog[lang][key] ?? catalog.fr[key] ?? key;
  if (!params) return template;
  return template.replace(
    /(?<!\p{L})(?:([Dd]e|[Qq]ue) )?\{(\w+)\}/gu,
    (m, word: string | undefined, name: string) => {
      if (!(name in params)) return m;
      const value = String(params[name]);
      if (!word) return value;
      return lang === 'fr' && startsWithVowel(value) ? `${word.slice(0, -1)}’${value}` : `${word} ${value}`;
    },
  );
}

// "de {name}" / "que {name}" lose their e before a vowel: "membres d’APICA", "plus qu’Aylmer".
// The message cannot spell it since the name comes from params; h is left alone (aspirated or not,
// we cannot tell).
const startsWithVowel = (s: string) => /^[AEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouàâäéèêëîïôöùûü]/.test(s);

/** French elision of "de"/"que" before a word starting with a vowel ("de Aylmer" → "d’Aylmer"). */
export function elide(text: string): string {
  return text.replace(
    /(?<!\p{L})([Dd]e|[Qq]ue) (?=[AEIOUÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouàâäéèêëîïôöùûü])/gu,
    (_m, w: string) => `${w.slice(0, -1)}’`,
  );
}

// Kept: building a NumberFormat per call cost more than the rest of `tp` (home and search pages).
const countFormats: Record<Lang, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat('fr-CA'),
  en: new Intl.NumberFormat('en-CA'),
};

/** A count as the language writes it ("12 345" in French, "12,345" in English), like `toLocaleString`. */
export function formatCount(count: number, lang: Lang): string {
  return countFormats[lang].format(count);
}

/**
 * A lower bound shown as "Plus de 950 produits": the count rounded down to two significant digits
 * (958 → 950, 12 345 → 12 000), so the statement stays true and does not read as an exact figure.
 * Counts under 100 are kept as they are.
 */
export function roundedDownCount(count: number): number {
  if (count < 100) return count;
  const step = 10 ** (Math.floor(Math.log10(count)) - 1);
  return Math.floor(count / step) * step;
}

const pluralRules: Record<Lang, Intl.PluralRules> = {
  fr: new Intl.PluralRules('fr-CA'),
  en: new Intl.PluralRules('en-CA'),
};

/**
 * Plural-aware message: picks `key.one` / `key.other` (any CLDR category, falling back to `other`)
 * by Intl.PluralRules, so French says "0 produit", "1 produit", "2 produits" and English "0 products".
 * `{count}` is the number formatted for the language ("1 234").
 */
export function tp(lang: Lang, key: string, count: number, params?: Record<string, string | number>): string {
  const rule = pluralRules[lang].select(count);
  const k = hasMessage(lang, `${key}.${rule}`) ? `${key}.${rule}` : `${key}.other`;
  const n = formatCount(count, lang).replace(/\u202f/g, '\u00a0');
  return t(lang, k, { ...params, count: n });
}

/** "Total :" in French (narrow no-break space before the colon), "Total:" in English. */
export function labelColon(lang: Lang, label: string): string {
  return lang === 'fr' ? `${label}\u202f:` : `${label}:`;
}

/** True when a key exists (tests check both languages have every key). */
export function hasMessage(lang: Lang, key: string): boolean {
  return key in catalog[lang];
}

export function allKeys(lang: Lang): string[] {
  return Object.keys(catalog[lang]);
}

/** Picks fr or en from an Accept-Language header; French unless English is preferred. */
export function langFromAcceptLanguage(header: string | undefined): Lang {
  if (!header) return DEFAULT_LANG;
  const prefs = header
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number.parseFloat(q.trim().slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const p of prefs) {
    if (p.tag.startsWith('fr')) return 'fr';
    if (p.tag.startsWith('en')) return 'en';
  }
  return DEFAULT_LANG;
}

const moneyFormatters: Record<Lang, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat('fr-CA', { style: 'currency', currency: 'CAD' }),
  en: new Intl.NumberFormat('en-CA', { style: 'currency', currency: 'CAD' }),
};

/** fr-CA "1 234,50 $" (no-break spaces), en-CA "$1,234.50". */
export function formatMoney(cents: number, lang: Lang): string {
  return moneyFormatters[lang].format(cents / 100).replace(/[\u202f]/g, '\u00a0');
}

const distanceFormatters: Record<Lang, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat('fr-CA', { maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat('en-CA', { maximumFractionDigits: 1 }),
};

export function formatKm(km: number, lang: Lang): string {
  return `${distanceFormatters[lang].format(km)}\u00a0km`;
}

/**
 * A distance's number alone, one decimal at most ("1,5" / "1.5"), for messages that add the unit:
 * the same as `toLocaleString(locale, { maximumFractionDigits: 1 })`, which builds a new formatter
 * on every call (≈ 27 µs, against 0.6 µs for a kept one: 20 of them on a page of results).
 */
export function formatDistanceNumber(km: number, lang: Lang): string {
  return distanceFormatters[lang].format(km);
}

const dateTimeFormatters = new Map<string, Intl.DateTimeFormat>();
/**
 * A date and time in local time: "4 décembre 2026 à 5 h 57" (fr-CA), "December 4, 2026 at 5:57 a.m."
 * (en-CA). French spells the hour out explicitly: fr-CA's `timeStyle: 'short'` pads it ("05 h 57"),
 * which French typography does not.
 */
export function formatDate(iso: string, lang: Lang, timeZone = 'America/Toronto'): string {
  const key = `${lang}|${timeZone}`;
  let f = dateTimeFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      lang === 'fr' ? 'fr-CA' : 'en-CA',
      lang === 'fr'
        ? { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone }
        : { dateStyle: 'long', timeStyle: 'short', timeZone },
    );
    dateTimeFormatters.set(key, f);
  }
  return f.format(new Date(iso));
}
