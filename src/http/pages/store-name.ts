/**
 * What follows the merchant's name to name one of its stores: " — store", or nothing when the store
 * carries the merchant's own name (a merchant's first store usually does: "Poterie Caron", never
 * "Poterie Caron — Poterie Caron"). Names that differ only by case or surrounding spaces are the same.
 */
export function storeSuffix(merchant: string, store: string): string {
  return store.trim().toLocaleLowerCase('fr-CA') === merchant.trim().toLocaleLowerCase('fr-CA')
    ? ''
    : ` — ${store}`;
}

/** "Merchant — store", or the merchant alone when the store carries the merchant's name. */
export function storeName(merchant: string, store: string): string {
  return `${merchant}${storeSuffix(merchant, store)}`;
}
