import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import { parseHours } from '../common/hours.ts';
import { slugify } from '../common/slug.ts';
import { zodIssues } from '../common/validation.ts';
import { generateApiKey, hashApiKey } from './api-keys.ts';
import * as repo from './merchants.repository.ts';
import { type CreateMerchantInput, createMerchantInput } from './merchants.schemas.ts';

export interface CreatedMerchant {
  merchant_id: number;
  slug: string;
  location_id: number;
  location_code: string;
  api_key: string;
}

async function uniqueSlug(db: Kysely<DB>, name: string): Promise<string> {
  const base = slugify(name) || 'commerce';
  let slug = base;
  for (let i = 2; await repo.slugExists(db, slug); i++) slug = `${base}-${i}`;
  return slug;
}

/** Creates a merchant with one store location and a first API key (shown once, stored hashed). */
export async function createMerchant(db: Kysely<DB>, raw: CreateMerchantInput): Promise<CreatedMerchant> {
  const parsed = createMerchantInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const input = parsed.data;

  const associations = input.associations.length
    ? await db
        .selectFrom('associations')
        .select(['id', 'slug'])
        .where('slug', 'in', input.associations)
        .execute()
    : [];
  const missing = input.associations.filter((s) => !associations.some((a) => a.slug === s));
  if (missing.length) {
    throw new ValidationError([
      {
        field: 'associations',
        message: 'merchant.unknown_association',
        params: { slugs: missing.join(', ') },
      },
    ]);
  }
  const categories = input.categories.length
    ? await db.selectFrom('categories').select(['id', 'slug']).where('slug', 'in', input.categories).execute()
    : [];
  const missingCats = input.categories.filter((s) => !categories.some((c) => c.slug === s));
  if (missingCats.length) {
    throw new ValidationError([
      {
        field: 'categories',
        message: 'merchant.unknown_category',
        params: { slugs: missingCats.join(', ') },
      },
    ]);
  }

  const slug = await uniqueSlug(db, input.name);
  const apiKey = generateApiKey();
  const now = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const m = await trx
      .insertInto('merchants')
      .values({
        slug,
        legal_name: input.legalName ?? input.name,
        display_name: input.name,
        neq: input.neq ?? null,
        // A small supplier has no registration numbers (decision record 0005).
        tax_status: input.taxStatus ?? 'registered',
        gst_number: input.taxStatus === 'small_supplier' ? null : (input.gstNumber ?? null),
        qst_number: input.taxStatus === 'small_supplier' ? null : (input.qstNumber ?? null),
        email: input.email ?? null,
        phone: input.phone ?? null,
        website: input.website ?? null,
        logo_url: null,
        description_fr: input.descriptionFr ?? '',
        description_en: input.descriptionEn ?? '',
        status: input.status,
        approved_at: input.status === 'approved' ? now : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const code = input.location.code ?? 'principal';
    const loc = await trx
      .insertInto('locations')
      .values({
        merchant_id: m.id,
        code,
        name: input.location.name ?? input.name,
        address_line: input.location.address,
        municipality: input.location.municipality ?? '',
        postal_code: input.location.postalCode ?? null,
        lat: input.location.lat,
        lng: input.location.lng,
        phone: input.phone ?? null,
        hours_json: JSON.stringify(input.location.hours ?? {}),
        pickup: input.location.pickup ? 1 : 0,
        delivery_radius_km: input.location.deliveryRadiusKm,
        delivery_fee_cents: input.location.deliveryFeeCents,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const a of associations) {
      await trx
        .insertInto('association_members')
        .values({ association_id: a.id, merchant_id: m.id })
        .execute();
    }
    for (const c of categories) {
      await trx.insertInto('merchant_categories').values({ merchant_id: m.id, category_id: c.id }).execute();
    }
    await trx
      .insertInto('api_keys')
      .values({ merchant_id: m.id, name: 'CLI', prefix: apiKey.prefix, key_hash: apiKey.hash })
      .execute();
    return { merchant_id: m.id, slug, location_id: loc.id, location_code: code, api_key: apiKey.key };
  });
}

/** Public profile of an approved merchant, or undefined. */
export async function getPublicMerchant(db: Kysely<DB>, slug: string) {
  const m = await repo.findApprovedBySlug(db, slug);
  if (!m) return undefined;
  const [locations, associations, categories] = await Promise.all([
    repo.locationsOf(db, m.id),
    repo.associationsOf(db, m.id),
    repo.categoriesOf(db, m.id),
  ]);
  return {
    ...m,
    locations: locations.map((l) => ({ ...l, hours: parseHours(l.hours_json) })),
    associations,
    categories,
  };
}
export type PublicMerchant = NonNullable<Awaited<ReturnType<typeof getPublicMerchant>>>;

/** Resolves a bearer API key to its merchant; revoked or unknown keys are refused the same way. */
export async function authenticateApiKey(
  db: Kysely<DB>,
  key: string,
): Promise<{ merchantId: number; keyId: number }> {
  const row = await repo.findApiKeyByHash(db, hashApiKey(key));
  if (!row || row.revoked_at) throw new AppError('unauthorized', 'error.api_key_invalid');
  const merchant = await repo.findById(db, row.merchant_id);
  if (!merchant || merchant.status === 'suspended')
    throw new AppError('forbidden', 'error.merchant_suspended');
  return { merchantId: row.merchant_id, keyId: row.id };
}
