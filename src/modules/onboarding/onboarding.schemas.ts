import { z } from 'zod';
import { emailSchema } from '../accounts/index.ts';
import { httpUrl, humanText } from '../common/validation.ts';
import {
  gstNumberSchema,
  latSchema,
  lngSchema,
  neqSchema,
  qstNumberSchema,
  taxStatusSchema,
} from '../merchants/index.ts';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));
const optional = <T extends z.ZodType>(s: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), s.optional());

/** Form of a merchant signing up (the owner account and the business in one step). */
export const merchantSignupInput = z.object({
  businessName: humanText({ min: 2, max: 120 }),
  legalName: optionalText(200),
  neq: neqSchema,
  gstNumber: optional(gstNumberSchema),
  qstNumber: optional(qstNumberSchema),
  /** Optional: registered by default; a small supplier keeps no numbers (decision record 0005). */
  taxStatus: optional(taxStatusSchema),
  phone: optionalText(40),
  website: optional(httpUrl({ max: 300 })),
  address: z.string().trim().min(3).max(300),
  postalCode: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]\d[A-Z] ?\d[A-Z]\d$/, 'onboarding.postal_code_invalid'),
  ),
  municipalityId: z.coerce.number().int().positive('onboarding.municipality_required'),
  /** Optional map pin; without it the store sits at its municipality's coordinates. */
  lat: optional(latSchema),
  lng: optional(lngSchema),
  categories: z.array(z.coerce.number().int().positive()).max(10).default([]),
  associations: z.array(z.coerce.number().int().positive()).min(1, 'onboarding.association_required').max(5),
  ownerName: humanText({ max: 120 }),
  email: emailSchema,
  password: z.string().max(200),
  locale: z.enum(['fr', 'en']).default('fr'),
});
export type MerchantSignupInput = z.input<typeof merchantSignupInput>;
