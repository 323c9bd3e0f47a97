/** An operator creates a merchant (command line `comptoir merchant create`, demo data, tests). */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { ValidationError } from '../../lib/errors.ts';
import { addMemberships, associationsBySlugs } from '../associations/index.ts';
import { resolveCategorySlugs } from '../catalog/index.ts';
import { zodIssues } from '../common/validation.ts';
import {
  type CreateMerchantInput,
  createMerchantInput,
  insertMerchant,
  uniqueMerchantSlug,
} from '../merchants/index.ts';

/** The operator named associations or categories that do not exist. */
function unknownSlugs(field: 'associations' | 'categories', missing: string[]) {
  return new ValidationError([
    {
      field,
      message: field === 'associations' ? 'merchant.unknown_association' : 'merchant.unknown_category',
      params: { slugs: missing.join(', ') },
    },
  ]);
}

export interface CreatedMerchant {
  merchant_id: number;
  slug: string;
  location_id: number;
  location_code: string;
  api_key: string;
}

/** Creates a merchant with one store location and a first API key (shown once, stored hashed). */
export async function createMerchant(db: Kysely<DB>, raw: CreateMerchantInput): Promise<CreatedMerchant> {
  const parsed = createMerchantInput.safeParse(raw);
  if (!parsed.success) throw new ValidationError(zodIssues(parsed.error));
  const input = parsed.data;

  const associations = await associationsBySlugs(db, input.associations);
  const missing = input.associations.filter((s) => !associations.some((a) => a.slug === s));
  if (missing.length) throw unknownSlugs('associations', missing);
  const categories = input.categories.length ? await resolveCategorySlugs(db, input.categories) : new Map();
  const missingCats = input.categories.filter((s) => !categories.has(s));
  if (missingCats.length) throw unknownSlugs('categories', missingCats);

  const slug = await uniqueMerchantSlug(db, input.name);
  const code = input.location.code ?? 'principal';
  return db.transaction().execute(async (trx) => {
    const created = await insertMerchant(trx, {
      slug,
      displayName: input.name,
      legalName: input.legalName ?? input.name,
      neq: input.neq ?? null,
      taxStatus: input.taxStatus ?? 'registered',
      gstNumber: input.gstNumber ?? null,
      qstNumber: input.qstNumber ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      website: input.website ?? null,
      descriptionFr: input.descriptionFr ?? '',
      descriptionEn: input.descriptionEn ?? '',
      status: input.status,
      categoryIds: [...new Set(categories.values())],
      location: {
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
      },
      apiKeyName: 'CLI',
    });
    await addMemberships(
      trx,
      created.merchantId,
      associations.map((a) => a.id),
    );
    return {
      merchant_id: created.merchantId,
      slug,
      location_id: created.locationId,
      location_code: code,
      api_key: created.apiKey as string,
    };
  });
}
