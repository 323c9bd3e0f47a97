/**
 * Associations: local merchant associations (APICA in Aylmer, ...), their showcase identity and
 * their memberships ('invited' until the merchant's owner accepts, then 'active' or 'suspended').
 * Owns `associations` and `association_members`; other modules read them through this API.
 */

/** 'invited' | 'active' | 'suspended': only 'active' gives an association scope over a merchant. */
export type { MemberStatus } from './associations.repository.ts';
/** Zod schemas of an association's showcase identity and of a new association (form fields as typed). */
export { associationInput, showcaseInput } from './associations.schemas.ts';
export {
  /** Ids of the active members of one or several associations (an association admin's scope). */
  activeMemberIds,
  /** The ids among the given merchants that are active members of the association. */
  activeMembersAmong,
  /** Adds memberships of a merchant being created (caller's transaction); default status: active. */
  addMemberships,
  /** Associations (`id, slug, name, short_name, primary_color, accent_color`) with these ids, by name. */
  associationsByIds,
  /** Associations (`id, slug, name`) with these slugs; unknown slugs are absent. */
  associationsBySlugs,
  /** The associations the merchant is an ACTIVE member of, by name. */
  associationsOfMerchant,
  /** Active memberships of several merchants, one row per (merchant, association), with names. */
  associationsOfMerchants,
  /** How many associations exist. */
  countAssociations,
  /** Region admins create an association (validates `associationInput`); returns `{ id, slug }`. */
  createAssociation,
  /** An association (every column) by id, or undefined. */
  findAssociationById,
  /** An association (every column) by slug, or undefined. */
  findAssociationBySlug,
  /** Same as `findAssociationById` (older name). */
  getAssociation,
  /** Same as `findAssociationBySlug` (older name). */
  getAssociationBySlug,
  /** Invites a merchant (by slug); returns `{ id, display_name }` of the merchant, whose owners are to be told. */
  inviteMember,
  /** True when the merchant is an ACTIVE member of the association. */
  isActiveMember,
  /** Associations with their member counts (approved active members), by name. */
  listAssociations,
  /** Every membership of an association (admin screen), by merchant name. */
  listMembers,
  /** Every status a membership may take. */
  MEMBER_STATUSES,
  /** Who asks for a membership change (region admins may settle invitations). */
  type MembershipActor,
  /** A step run in `removeMember`'s transaction. */
  type MembershipRemovalStep,
  /** A merchant's memberships (every status) with the association's names, for its back-office. */
  merchantMemberships,
  /** Registers a step run when a merchant leaves an association (campaigns drop its featuring). */
  onMembershipRemoved,
  /** How many invitations wait for the merchant's answer. */
  pendingInvitationCount,
  /** Removes a merchant from one association (404 when not a member). */
  removeMember,
  /** The merchant's owner accepts or declines an invitation (404 when none waits). */
  respondToInvitation,
  /** Changes a member's status within one association (rules in the function's doc). */
  setMemberStatus,
  /** Active approved members with their store locations (one row per store), for maps and lists. */
  showcaseMembers,
  /** A few active products of the association's approved active members, Québec-labelled first. */
  showcaseProducts,
  /** One entry per merchant from per-location rows. */
  uniqueMembers,
  /** Updates the association's showcase identity (validates `showcaseInput`). */
  updateShowcase,
} from './associations.service.ts';
