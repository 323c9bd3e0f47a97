/** A name as people read it: accents, case and spacing aside ("Érablière  du Lac" = "erabliere du lac"). */
const foldName = (s: string) =>
  s.normalize('NFD').replace(/\p{M}/gu, '').trim().replace(/\s+/g, ' ').toLocaleLowerCase('fr-CA');

/**
 * Recent names' keys: a search page names the store of each of its results and a product page each
 * offer's, the same few thousand merchants and stores again and again, and `toLocaleLowerCase` with
 * a locale is the costly part (≈ 0.2 ms of a search page). Emptied when full, so it stays small.
 */
const keys = new Map<string, string>();
const KEYS_MAX = 4096;
const nameKey = (s: string) => {
  let k = keys.get(s);
  if (k === undefined) {
    if (keys.size >= KEYS_MAX) keys.clear();
    k = foldName(s);
    keys.set(s, k);
  }
  return k;
};

/**
 * What follows the merchant's name to name one of its stores: " — store", or nothing when the store
 * carries the merchant's own name (a merchant's first store usually does: "Poterie Caron", never
 * "Poterie Caron — Poterie Caron"). A store named after its merchant plus a place ("Poterie Caron —
 * Gatineau", as merchants often name a second store) keeps only the place: "Poterie Caron — Gatineau",
 * not "Poterie Caron — Poterie Caron — Gatineau".
 */
export function storeSuffix(merchant: string, store: string): string {
  const wanted = nameKey(merchant);
  const key = nameKey(store);
  if (key === wanted) return '';
  if (!key.startsWith(wanted)) return ` — ${store}`;
  const name = store.trim();
  // The merchant's name, then a break between words ("Poterie Caron: Hull", not "Poterie Caronne").
  for (let end = 1; end < name.length; end++) {
    if (/[\p{L}\p{N}]/u.test(name[end]!) || foldName(name.slice(0, end)) !== wanted) continue;
    // The rest after separators people put between a name and a place (—, –, -, :, |, /, ·, comma).
    const place = name.slice(end).replace(/^[\s—–\-:|/·,]+/u, '');
    return place ? ` — ${place}` : '';
  }
  return ` — ${store}`;
}

/** "Merchant — store", or the merchant alone when the store carries the merchant's name. */
export function storeName(merchant: string, store: string): string {
  return `${merchant}${storeSuffix(merchant, store)}`;
}
