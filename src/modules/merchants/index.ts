/** Merchants: profiles, store locations, association memberships, API keys, sales-tax status. */
import './merchants.tables.ts';

export { generateApiKey, hashApiKey } from './api-keys.ts';
export {
  createMerchantInput,
  gstNumberSchema,
  hoursSchema,
  latSchema,
  lngSchema,
  neqSchema,
  qstNumberSchema,
  /** 'registered' | 'small_supplier' (migration 008; decision record 0005). */
  taxStatusSchema,
} from './merchants.schemas.ts';
export {
  authenticateApiKey,
  type CreatedMerchant,
  createMerchant,
  getPublicMerchant,
  type PublicMerchant,
} from './merchants.service.ts';
