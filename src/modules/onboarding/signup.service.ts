/** A merchant signs up: the business (pending), its first store, memberships, categories and owner. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, type FieldIssue, ValidationError } from '../../lib/errors.ts';
import { createUserWithHash, findUserByEmail, hashPassword, passwordProblem } from '../accounts/index.ts';
import { addMemberships, associationsByIds } from '../associations/index.ts';
import { listCategories } from '../catalog/index.ts';
import { zodIssues } from '../common/validation.ts';
import { insertMerchant, neqTaken, uniqueMerchantSlug } from '../merchants/index.ts';
import { getTown, listTowns, type Town } from '../towns/index.ts';
import { merchantSignupInput } from './onboarding.schemas.ts';

export interface MerchantSignupResult {
  merchantId: number;
  slug: string;
  userId: number;
  email: string;
  locationId: number;
}

async function townOrUndefined(db: Kysely<DB>, id: number): Promise<Town | undefined> {
  try {
    return await getTown(db, id);
  } catch (e) {
    if (e instanceof AppError && e.code === 'not_found') return undefined;
    throw e;
  }
}

/**
 * Creates a pending merchant, its first location (geocoded from the region's municipalities
 * table, or the map pin), its memberships and categories, and its owner (role merchant_owner,
 * email to confirm), all in one transaction.
 */
export async function registerMerchant(db: Kysely<DB>, raw: unknown): Promise<MerchantSignupResult> {
  const parsed = merchantSignupInput.safeParse(raw);
  const issues: FieldIssue[] = parsed.success ? [] : zodIssues(parsed.error);
  const pw = passwordProblem(String((raw as Record<string, unknown>)?.password ?? ''));
  if (pw) issues.push({ field: 'password', message: pw });
  if (!parsed.success || issues.length) throw new ValidationError(issues);
  const input = parsed.data;
  if ((input.lat === undefined) !== (input.lng === undefined))
    issues.push({ field: 'lat', message: 'onboarding.pin_incomplete' });

  const municipality = await townOrUndefined(db, input.municipalityId);
  if (!municipality) issues.push({ field: 'municipalityId', message: 'onboarding.municipality_required' });
  const associations = await associationsByIds(db, input.associations);
  if (associations.length !== new Set(input.associations).size)
    issues.push({ field: 'associations', message: 'onboarding.association_required' });
  const wanted = new Set(input.categories);
  const categories = wanted.size
    ? (await listCategories(db, { includeHidden: true })).filter((c) => wanted.has(c.id))
    : [];
  if (categories.length !== wanted.size) issues.push({ field: 'categories', message: 'field.invalid' });
  if (await findUserByEmail(db, input.email)) issues.push({ field: 'email', message: 'account.email_taken' });
  if (await neqTaken(db, input.neq)) issues.push({ field: 'neq', message: 'onboarding.neq_taken' });
  if (issues.length || !municipality) throw new ValidationError(issues);

  const slug = await uniqueMerchantSlug(db, input.businessName);
  const passwordHash = await hashPassword(input.password);

  return db.transaction().execute(async (trx) => {
    const m = await insertMerchant(trx, {
      slug,
      displayName: input.businessName,
      legalName: input.legalName ?? input.businessName,
      neq: input.neq,
      taxStatus: input.taxStatus ?? 'registered',
      gstNumber: input.gstNumber ?? null,
      qstNumber: input.qstNumber ?? null,
      email: input.email,
      phone: input.phone ?? null,
      website: input.website ?? null,
      status: 'pending',
      categoryIds: [...wanted],
      location: {
        code: 'principal',
        name: input.businessName,
        address_line: input.address,
        municipality: municipality.name,
        postal_code: input.postalCode ?? null,
        lat: input.lat ?? municipality.lat,
        lng: input.lng ?? municipality.lng,
        phone: input.phone ?? null,
        hours_json: '{}',
        pickup: 1,
      },
    });
    await addMemberships(
      trx,
      m.merchantId,
      associations.map((a) => a.id),
    );
    const userId = await createUserWithHash(trx, {
      email: input.email,
      passwordHash,
      name: input.ownerName,
      locale: input.locale,
      roles: [{ role: 'merchant_owner', merchant_id: m.merchantId, association_id: null }],
    });
    return { merchantId: m.merchantId, slug, userId, email: input.email, locationId: m.locationId };
  });
}

/** The region's towns (`id, name, lat, lng`) by name: the sign-up form's list. */
export async function listMunicipalities(db: Kysely<DB>) {
  return (await listTowns(db)).map((t) => ({ id: t.id, name: t.name, lat: t.lat, lng: t.lng }));
}
