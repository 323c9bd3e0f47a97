/** Merchants: profiles, store locations, association memberships, API keys. */
export { generateApiKey, hashApiKey } from './api-keys.ts';
export {
  createMerchantInput,
  gstNumberSchema,
  hoursSchema,
  latSchema,
  lngSchema,
  neqSchema,
  qstNumberSchema,
} from './merchants.schemas.ts';
export {
  authenticateApiKey,
  type CreatedMerchant,
  createMerchant,
  getPublicMerchant,
  type PublicMerchant,
} from './merchants.service.ts';
