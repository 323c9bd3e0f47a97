/**
 * Directory: what the public sees of a merchant, composed from the modules that own it (merchants,
 * associations, catalog). Owns no table.
 */
export {
  /** Public profile of an approved merchant (stores with hours, active associations, categories), or undefined. */
  getPublicMerchant,
  /** What `getPublicMerchant` returns. */
  type PublicMerchant,
} from './profile.service.ts';
