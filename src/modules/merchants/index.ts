/**
 * Merchants: profiles, store locations, API keys, staff and their invitations, sales-tax status.
 * Owns the tables `merchants`, `merchant_categories`, `locations`, `api_keys`, `staff_invitations`:
 * other modules read and change them only through the functions below.
 */
import './merchants.tables.ts';
import './locations.tables.ts';
import './staff.tables.ts';

export {
  /** The longest API key name. */
  API_KEY_NAME_MAX,
  /** Problems with an API key name (blank, too long), as field issues on `name`. */
  apiKeyNameIssues,
  /** Resolves a bearer API key to its merchant; revoked or unknown keys are refused the same way. */
  authenticateApiKey,
  /** Creates an API key; returns it in clear once (only its hash is stored). */
  createApiKey,
  /** The key row of a SHA-256 hash (id, merchant_id, revoked_at), or undefined. */
  findApiKeyByHash,
  /** A merchant's API keys, newest first (prefix, dates; never the key). */
  listApiKeys,
  /** Revokes a live key of the merchant, or `not_found`. */
  revokeApiKey,
} from './api-keys.service.ts';
export {
  /** Prefix shown in lists and the SHA-256 stored, for a new random key (`ck_...`). */
  generateApiKey,
  /** SHA-256 (hex) of an API key, as stored. */
  hashApiKey,
} from './api-keys.ts';
export {
  /** Whether a zone's area (folded) names one of a place's towns or holds one of its postal prefixes. */
  areaCovers,
  /** Where a shopper stands for delivery checks: a point, its towns and postal prefixes. */
  type DeliveryPlace,
  /** A store's delivery zones pre-folded for place checks. */
  type DeliveryReach,
  /** The shopper's place from a point and an optional town name or postal code (else the nearest town). */
  deliveryPlace,
  /** A store row's delivery reach (its zones, folded), or undefined when it does not deliver. */
  deliveryReachOf,
  /** A town as `deliveryPlace` reads it. */
  type PlaceTown,
  /** Whether a store's zones cover a shopper's place (towns, postal prefixes, radius). */
  reachesPlace,
  /** A zone's area folded for `areaCovers`. */
  reachZone,
} from './delivery-reach.ts';
export {
  /** Every store with a delivery radius (any merchant), in id order (the demo seed's delivery zones). */
  deliveringLocations,
} from './locations.repository.ts';
export {
  /** A store's delivery settings (enabled, radius, zones). */
  type DeliverySettings,
  /** One delivery zone (towns and/or postal prefixes, fee, optional minimum). */
  type DeliveryZone,
  /** zod schema of one delivery zone. */
  deliveryZoneSchema,
  /** The pattern of a store code (letters, digits, `-`, `_`, `.`; 40 at most). */
  LOCATION_CODE_PATTERN,
  /** A store's fulfilment (pickup, delivery) in the API's shape. */
  type LocationFulfilment,
  /** zod schema of a store's fulfilment settings. */
  locationFulfilmentSchema,
} from './locations.schemas.ts';
export {
  /** Adds a store to a merchant (a generated code when none is given); returns its id. */
  addLocation,
  /** The merchant's default store, or undefined when it has none. */
  defaultLocation,
  /** The default store among a list of stores (flagged one, else the oldest). */
  defaultLocationOf,
  /** A store's delivery settings from its row (zones, or the legacy radius and fee). */
  deliverySettingsOf,
  /** One store of a merchant by its code, or undefined. */
  findLocationByCode,
  /** One store by id (any merchant), or undefined. */
  findLocationById,
  /** Stores by id (one query); unknown ids are left out. */
  findLocationsByIds,
  /** One store of this merchant, or undefined (another merchant's store too). */
  findMerchantLocation,
  /** A store row's fulfilment settings in the API's shape. */
  fulfilmentOf,
  /** A store row. */
  type Location,
  /** The editable columns of a store. */
  type LocationValues,
  /** Problems with a store code typed in the back-office (format, taken), as field issues on `code`. */
  locationCodeIssues,
  /** A merchant's stores, oldest first. */
  locationsOfMerchant,
  /** The stores of several merchants (one query), oldest first. */
  locationsOfMerchants,
  /** The town of each merchant's first store. */
  merchantTowns,
  /** Sets a store's code and/or makes it the default store (in the caller's transaction). */
  setLocationCodeAndDefault,
  /** Validates and saves a store's fulfilment settings (back-office, merchant API, demo). */
  setLocationFulfilment,
  /** Edits one store of the merchant, or `not_found`. */
  updateLocation,
} from './locations.service.ts';
export {
  /** Merchants filed under a category are no longer (the category is hidden; catalog calls it). */
  unlinkCategory as unfileMerchantsFromCategory,
} from './merchants.repository.ts';
export {
  /** What onboarding's `createMerchant` takes. */
  type CreateMerchantInput,
  /** zod schema of an operator-created merchant (onboarding's `createMerchant`). */
  createMerchantInput,
  /** GST/HST number: 9 digits + RT + 4 digits (spaces and dashes dropped). */
  gstNumberSchema,
  /** Opening hours: per weekday, a list of [open, close] "HH:MM" pairs. */
  hoursSchema,
  /** A latitude (-90 to 90). */
  latSchema,
  /** A longitude (-180 to 180). */
  lngSchema,
  /** Québec enterprise number (NEQ): 10 digits starting 11, 22, 33 or 88. */
  neqSchema,
  /** QST number: 10 digits + TQ + 4 digits (spaces and dashes dropped). */
  qstNumberSchema,
  /** 'registered' | 'small_supplier' (migration 008; decision record 0005). */
  taxStatusSchema,
} from './merchants.schemas.ts';
export {
  /** Ids of every approved merchant. */
  allApprovedMerchantIds,
  /** The ids among these whose merchant is approved. */
  approvedMerchantIds,
  /** Sets a merchant's status (and approval date); the review rules are onboarding's. */
  changeMerchantStatus,
  /** How many merchants have a status. */
  countMerchants,
  /** One approved merchant by slug, or undefined. */
  findApprovedMerchantBySlug,
  /** One merchant by id (any status), or undefined. */
  findMerchantById,
  /** One merchant by slug (any status), or undefined. */
  findMerchantBySlug,
  /** Merchants by id (one query); unknown ids are left out. */
  findMerchantsByIds,
  /** The approved merchant of a slug with its stores (opening hours and exceptional closures parsed), or undefined. */
  findPublicMerchant,
  /** One merchant by id, or `not_found`. */
  getMerchant,
  /** True when the database holds at least one merchant. */
  hasAnyMerchant,
  /** Writes a new merchant, its first store, categories and optional first API key (caller's transaction). */
  insertMerchant,
  /** Merchants to review by status and/or ids, oldest first. */
  listMerchantsForReview,
  /** A merchant row. */
  type Merchant,
  /** A merchant's profile fields as the back-office edits them. */
  type MerchantProfileValues,
  /** A merchant's summary fields. */
  type MerchantSummary,
  /** Ids of the categories a merchant is filed under. */
  merchantCategoryIds,
  /** Display names by merchant id. */
  merchantNames,
  /** A merchant's status, or undefined. */
  merchantStatus,
  /** `id, slug, display_name, status` of merchants by id (one query); unknown ids are left out. */
  merchantSummaries,
  /** A category merge: merchants filed under one category move to another. */
  moveMerchantCategory,
  /** What `insertMerchant` takes. */
  type NewMerchant,
  /** True when a merchant already registered this NEQ. */
  neqTaken,
  /** A free slug for a business name. */
  uniqueMerchantSlug,
  /** Saves a merchant's profile (a small supplier keeps no tax numbers). */
  updateMerchantProfile,
} from './merchants.service.ts';
export {
  /** Withdraws an open staff invitation of the merchant, or `not_found`. */
  cancelStaffInvitation,
  /** Records a staff invitation for a validated address; returns the token for the emailed link. */
  createStaffInvitation,
  /** How long a staff invitation link works. */
  INVITATION_TTL_MS as STAFF_INVITATION_TTL_MS,
  /** The open staff invitation behind a token (with the merchant's name), or undefined. */
  openStaffInvitation,
  /** A merchant's staff invitations not used and not expired. */
  pendingStaffInvitations,
  /** Marks a staff invitation used in the caller's transaction (already used: `not_found`). */
  useStaffInvitation,
} from './staff.service.ts';
