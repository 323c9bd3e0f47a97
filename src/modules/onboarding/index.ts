/**
 * Onboarding: merchants joining the platform (sign-up, operator creation), their review by region
 * and association admins, and their team (staff invitations). Owns no table: it composes the
 * merchants, accounts, associations, catalog and towns modules.
 */
export {
  /** The result of `createMerchant`: ids, slug, store code and the first API key in clear. */
  type CreatedMerchant,
  /** An operator creates a merchant (default approved) with one store and a first API key (CLI, demo, tests). */
  createMerchant,
} from './create.service.ts';
export {
  /** Form of a merchant signing up. */
  type MerchantSignupInput,
  /** zod schema of the merchant sign-up form. */
  merchantSignupInput,
} from './onboarding.schemas.ts';
export {
  /** Who an admin may review: every merchant (region admin) or their associations' members. */
  type AdminScope,
  /** Merchants an admin may review, with their town and associations. */
  listMerchantsForAdmin,
  /** A merchant as the review list shows it. */
  type MerchantForReview,
  /** True when the merchant is within the admin's scope. */
  merchantInScope,
  /** Emails the owners that their merchant was approved or suspended. */
  notifyMerchantStatus,
  /** Approves or suspends a merchant in the admin's scope (approval needs a confirmed owner). */
  setMerchantStatus,
} from './review.service.ts';
export {
  /** The region's towns (`id, name, lat, lng`) by name, for the sign-up form. */
  listMunicipalities,
  /** The result of `registerMerchant`. */
  type MerchantSignupResult,
  /** A merchant signs up: pending merchant, first store, memberships, categories and owner, in one transaction. */
  registerMerchant,
} from './signup.service.ts';
export {
  /** Accepts a staff invitation (creates the account when needed, grants the staff role). */
  acceptInvitation,
  /** Withdraws an open staff invitation of the merchant, or `not_found`. */
  cancelInvitation,
  /** Invites someone to a merchant's staff; returns the address and the token for the link. */
  inviteStaff,
  /** Owners and staff of a merchant, and its open invitations. */
  listStaff,
  /** The open staff invitation behind a token (merchant name, existing account), or undefined. */
  readInvitation,
  /** Removes a staff member (never an owner), or `not_found`. */
  removeStaff,
} from './team.service.ts';
