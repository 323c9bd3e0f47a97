import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { activeProductsOfMerchants } from '../catalog/index.ts';
import { zodIssues } from '../common/validation.ts';
import {
  approvedMerchantIds,
  findMerchantBySlug,
  findMerchantsByIds,
  locationsOfMerchants,
} from '../merchants/index.ts';
import type { Db, MemberStatus } from './associations.repository.ts';
import * as repo from './associations.repository.ts';
import { associationInput, showcaseInput } from './associations.schemas.ts';

export const MEMBER_STATUSES: MemberStatus[] = ['invited', 'active', 'suspended'];

/** Code-unit order, the same on both databases (lists are short; no locale collation needed). */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Ids among `merchantIds` whose merchant is approved (the only ones shown publicly). */
async function approvedAmong(db: Db, merchantIds: number[]) {
  const rows = await findMerchantsByIds(db, merchantIds);
  return rows.filter((m) => m.status === 'approved');
}

/** Local merchant associations (APICA in Aylmer, ...) with their member counts (approved active members). */
export async function listAssociations(db: Db) {
  const [rows, memberships] = await Promise.all([repo.listAssociationRows(db), repo.activeMemberships(db)]);
  const approved = new Set(
    await approvedMerchantIds(
      db,
      memberships.map((m) => m.merchant_id),
    ),
  );
  const counts = new Map<number, number>();
  for (const m of memberships)
    if (approved.has(m.merchant_id)) counts.set(m.association_id, (counts.get(m.association_id) ?? 0) + 1);
  return rows.map((a) => ({ ...a, member_count: counts.get(a.id) ?? 0 }));
}

/** Active members that are approved merchants, sorted by name (the public face of an association). */
async function approvedActiveMembers(db: Db, associationId: number) {
  const members = await approvedAmong(db, await repo.activeMemberIds(db, [associationId]));
  return members.sort((a, b) => byText(a.display_name, b.display_name));
}

/** Active members (approved merchants) with their store locations, for the showcase map and list. */
export async function showcaseMembers(db: Db, associationId: number) {
  const members = await approvedActiveMembers(db, associationId);
  const locations = await locationsOfMerchants(
    db,
    members.map((m) => m.id),
  );
  return members.flatMap((m) =>
    locations
      .filter((l) => l.merchant_id === m.id)
      .map((l) => ({
        id: m.id,
        slug: m.slug,
        display_name: m.display_name,
        description_fr: m.description_fr,
        description_en: m.description_en,
        address_line: l.address_line,
        municipality: l.municipality,
        lat: l.lat,
        lng: l.lng,
      })),
  );
}

/** A few active products of the association's members (Québec-labelled first). */
export async function showcaseProducts(db: Db, associationId: number, limit = 12) {
  const members = await approvedActiveMembers(db, associationId);
  const names = new Map(members.map((m) => [m.id, m.display_name]));
  const products = await activeProductsOfMerchants(db, [...names.keys()], limit);
  return products.map((p) => ({ ...p, merchant_name: names.get(p.merchant_id) ?? '' }));
}

/** Every membership of an association, whatever its status (admin screen). */
export async function listMembers(db: Db, associationId: number) {
  const memberships = await repo.membersOf(db, associationId);
  const merchants = new Map(
    (
      await findMerchantsByIds(
        db,
        memberships.map((m) => m.merchant_id),
      )
    ).map((m) => [m.id, m]),
  );
  return memberships
    .flatMap((ms) => {
      const m = merchants.get(ms.merchant_id);
      return m
        ? [
            {
              id: m.id,
              slug: m.slug,
              display_name: m.display_name,
              merchant_status: m.status,
              status: ms.status,
              joined_at: ms.joined_at,
            },
          ]
        : [];
    })
    .sort((a, b) => byText(a.display_name, b.display_name));
}

/** Who asks for a membership change: region admins may do more than an association's own admin. */
export interface MembershipActor {
  regionAdmin: boolean;
}

/**
 * Changes a member's status in ONE association (re-activate = 'active', suspend = 'suspended').
 * Scoped by the association id: another association's membership is never touched (404). An
 * association admin only toggles memberships the merchant has accepted (active or suspended): an
 * invitation becomes active only when the merchant's owner accepts it (`respondToInvitation`), so
 * an association cannot pull another association's merchant into its scope (403). Region admins
 * may set any status.
 */
export async function setMemberStatus(
  db: Db,
  associationId: number,
  merchantId: number,
  status: MemberStatus,
  actor: MembershipActor = { regionAdmin: false },
) {
  const allowed: MemberStatus[] = actor.regionAdmin ? MEMBER_STATUSES : ['active', 'suspended'];
  if (!allowed.includes(status))
    throw new ValidationError([
      { field: 'status', message: 'field.invalid_enum', params: { options: allowed.join(', ') } },
    ]);
  // One conditional UPDATE: an invitation accepted or declined meanwhile is never overwritten.
  const changed = await repo.updateMemberStatus(
    db,
    associationId,
    merchantId,
    status,
    actor.regionAdmin ? undefined : ['active', 'suspended'],
  );
  if (changed === 1) return;
  if (await repo.memberRow(db, associationId, merchantId))
    throw new AppError('forbidden', 'membership.awaiting_merchant');
  throw notFound('member');
}

/** A step another module runs, in the same transaction, when a merchant leaves an association. */
export type MembershipRemovalStep = (db: Db, associationId: number, merchantId: number) => Promise<void>;
// A hoisted `var`: modules in an import cycle with this one (campaigns) register at their load,
// which may run before this module's body; a `const` would still be uninitialised then.
var removalSteps: MembershipRemovalStep[] | undefined;

/**
 * Registers a step run inside `removeMember`'s transaction (campaigns drop the merchant's featuring
 * in that association's campaigns). Lets dependent modules react without associations importing them.
 */
export function onMembershipRemoved(step: MembershipRemovalStep) {
  removalSteps ??= [];
  removalSteps.push(step);
}

/**
 * Removes a merchant from ONE association (an invitation is withdrawn the same way), with what other
 * modules registered with `onMembershipRemoved` (its featuring in that association's campaigns). The
 * merchant itself (region-wide status, other associations, gift-card acceptance) is untouched.
 * Unknown membership: 404.
 */
export async function removeMember(db: Kysely<DB>, associationId: number, merchantId: number) {
  await db.transaction().execute(async (trx) => {
    if ((await repo.deleteMembership(trx, associationId, merchantId)) !== 1) throw notFound('member');
    for (const step of removalSteps ?? []) await step(trx, associationId, merchantId);
  });
}

/** True when the merchant is an ACTIVE member of the association (the only status that gives scope). */
export async function isActiveMember(db: Db, associationId: number, merchantId: number) {
  return (await repo.memberRow(db, associationId, merchantId))?.status === 'active';
}

/** Ids of the active members of one or several associations (an association admin's scope). */
export async function activeMemberIds(db: Db, associationIds: number | number[]): Promise<number[]> {
  return repo.activeMemberIds(db, Array.isArray(associationIds) ? associationIds : [associationIds]);
}

/** The ids among `merchantIds` that are ACTIVE members of the association. */
export async function activeMembersAmong(db: Db, associationId: number, merchantIds: number[]) {
  if (!merchantIds.length) return new Set<number>();
  const ids = new Set(await repo.activeMemberIds(db, [associationId]));
  return new Set(merchantIds.filter((id) => ids.has(id)));
}

/**
 * Invites a merchant of the region (by slug) to join. The membership stays 'invited' (no scope,
 * not shown) until the merchant's owner accepts it in the back-office. Returns the merchant (its
 * owners are to be told: accounts' `usersWithRoles`).
 */
export async function inviteMember(db: Db, associationId: number, merchantSlug: string) {
  const m = await findMerchantBySlug(db, merchantSlug.trim());
  if (!m) throw new ValidationError([{ field: 'merchant', message: 'association.unknown_merchant' }]);
  if (await repo.memberRow(db, associationId, m.id))
    throw new ValidationError([{ field: 'merchant', message: 'association.already_member' }]);
  try {
    await repo.insertMembership(db, associationId, m.id, 'invited');
  } catch (err) {
    // Two invitations at once: the primary key decides.
    if (/unique|primary|23505/i.test(String((err as { code?: string }).code ?? (err as Error).message)))
      throw new ValidationError([{ field: 'merchant', message: 'association.already_member' }]);
    throw err;
  }
  return { id: m.id, display_name: m.display_name };
}

/**
 * The merchant's owner answers an invitation: accepted, the membership becomes active; declined,
 * it is deleted (the association may invite again later). Only an 'invited' membership of THIS
 * merchant is touched, in one conditional statement; anything else is 404.
 */
export async function respondToInvitation(
  db: Db,
  merchantId: number,
  associationId: number,
  accept: boolean,
) {
  const r = accept
    ? await repo.updateMemberStatus(
        db,
        associationId,
        merchantId,
        'active',
        ['invited'],
        new Date().toISOString(),
      )
    : await repo.deleteMembership(db, associationId, merchantId, 'invited');
  if (r !== 1) throw notFound('invitation');
}

/** An association's own identity on its showcase (name, logo, colours, text). */
export async function updateShowcase(db: Db, associationId: number, raw: unknown) {
  const parsed = showcaseInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  await repo.updateIdentity(db, associationId, parsed.data);
}

/** Region admins create associations: identity, the towns covered and the map centre. */
export async function createAssociation(db: Db, raw: unknown) {
  const parsed = associationInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const { towns, ...rest } = parsed.data;
  if (await repo.findBySlug(db, rest.slug))
    throw new ValidationError([{ field: 'slug', message: 'association.slug_taken' }]);
  return repo.insertAssociation(db, { ...rest, municipalities_json: JSON.stringify(towns) });
}

/** One entry per merchant from location rows (a merchant with two stores appears once in lists). */
export function uniqueMembers<T extends { id: number }>(rows: T[]): T[] {
  const seen = new Set<number>();
  const out: T[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
  }
  return out;
}

// ------------------------------------------------------------------ look-ups for other modules

/** An association (every column) by id. */
export function findAssociationById(db: Db, id: number) {
  return repo.findById(db, id);
}

/** An association (every column) by slug. */
export function findAssociationBySlug(db: Db, slug: string) {
  return repo.findBySlug(db, slug);
}

/** Same as `findAssociationById` (older name). */
export const getAssociation = findAssociationById;
/** Same as `findAssociationBySlug` (older name). */
export const getAssociationBySlug = findAssociationBySlug;

/** Associations (`id, slug, name`) with these slugs; unknown slugs are simply absent. */
export function associationsBySlugs(db: Db, slugs: string[]) {
  return repo.findBySlugs(db, slugs);
}

/** Associations (`id, slug, name, short_name, primary_color, accent_color`) with these ids, by name; unknown ids are absent. */
export function associationsByIds(db: Db, ids: number[]) {
  return repo.findByIds(db, ids);
}

/** How many associations exist. */
export function countAssociations(db: Db) {
  return repo.countAssociations(db);
}

/** The associations the merchant is an ACTIVE member of (`id, slug, name, short_name, colours`), by name. */
export async function associationsOfMerchant(db: Db, merchantId: number) {
  return (await repo.activeAssociationsOfMerchants(db, [merchantId])).map(({ merchant_id: _, ...a }) => a);
}

/** Active memberships of several merchants, one row per (merchant, association), with the association's names. */
export function associationsOfMerchants(db: Db, merchantIds: number[]) {
  return repo.activeAssociationsOfMerchants(db, merchantIds);
}

/**
 * Adds memberships of a merchant being created (pass the caller's transaction). Without `status`
 * the table's default applies (active: the region enrols the merchant it creates).
 */
export async function addMemberships(
  db: Db,
  merchantId: number,
  associationIds: number[],
  status?: MemberStatus,
) {
  for (const associationId of associationIds)
    await repo.insertMembership(db, associationId, merchantId, status);
}

/** A merchant's memberships (every status) with the association's names, for its back-office. */
export function merchantMemberships(db: Db, merchantId: number) {
  return repo.membershipsOfMerchant(db, merchantId);
}

/** How many invitations wait for the merchant's answer (the back-office shows a notice). */
export function pendingInvitationCount(db: Db, merchantId: number): Promise<number> {
  return repo.countInvitations(db, merchantId);
}
