import { z } from 'zod';

const iso = z
  .string()
  .trim()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'field.invalid')
  .transform((s) => new Date(s).toISOString());

/** A campaign as created or edited: period, bilingual text, banner, featured merchants and products. */
export const campaignInput = z
  .object({
    slug: z
      .string()
      .trim()
      .max(80)
      .regex(/^[a-z0-9-]*$/, 'field.invalid')
      .optional(),
    association_id: z.number().int().positive().nullable().default(null),
    title_fr: z.string().trim().min(3).max(120),
    title_en: z.string().trim().min(3).max(120),
    body_fr: z.string().trim().max(5000).default(''),
    body_en: z.string().trim().max(5000).default(''),
    banner_url: z
      .string()
      .trim()
      .max(500)
      // Same-origin paths only: the Content-Security-Policy (img-src 'self') would block other hosts.
      .regex(/^\/(?!\/)\S*$/, 'association.image_path')
      .nullable()
      .optional(),
    starts_at: iso,
    ends_at: iso,
    published: z.union([z.literal(0), z.literal(1)]).default(1),
    merchant_ids: z.array(z.number().int().positive()).max(500).default([]),
    product_ids: z.array(z.number().int().positive()).max(500).default([]),
  })
  .refine((c) => c.ends_at > c.starts_at, { path: ['ends_at'], message: 'campaign.period_invalid' });
export type CampaignInput = z.input<typeof campaignInput>;

/** A promo code of a campaign (percent or amount in cents, optional merchant, minimum and use limit). */
export const promoInput = z
  .object({
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9][A-Z0-9-]{2,29}$/, 'promo.code_format'),
    kind: z.enum(['percent', 'amount']),
    value: z.number().int().positive('promo.value_positive'),
    merchant_id: z.number().int().positive().nullable().default(null),
    min_subtotal_cents: z.number().int().min(0).default(0),
    max_uses: z.number().int().positive().nullable().default(null),
  })
  .refine((p) => p.kind !== 'percent' || p.value <= 100, { path: ['value'], message: 'promo.percent_range' });
export type PromoInput = z.input<typeof promoInput>;
