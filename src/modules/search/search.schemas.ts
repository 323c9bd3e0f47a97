import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false', 'on', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'on');
/** An empty form field (a GET form without JavaScript sends `lat=`) counts as absent. */
const blank = (v: unknown) => (v === '' ? undefined : v);
const optNum = (s: z.ZodNumber) => z.preprocess(blank, z.coerce.number().pipe(s).optional());
const optText = (max: number) => z.preprocess(blank, z.string().max(max).optional());

export const geoQuery = {
  lat: optNum(z.number().min(-90).max(90)),
  lng: optNum(z.number().min(-180).max(180)),
  near: optText(100),
  radius_km: optNum(z.number().gt(0).max(500)),
};

export const searchQuery = z.object({
  q: z.string().max(5000).optional(),
  ...geoQuery,
  category: optText(100),
  quebec: flag,
  in_stock: flag,
  fulfilment: z.preprocess(blank, z.enum(['pickup', 'delivery']).optional()),
  association: optText(100),
  merchant: optText(200),
  open_now: flag,
  sort: z.preprocess(blank, z.enum(['relevance', 'distance', 'price_asc', 'price_desc']).optional()),
  page: optNum(z.number().int().min(1).max(1000)),
  per_page: optNum(z.number().int().min(1).max(100)),
  lang: z.preprocess(blank, z.enum(['fr', 'en']).optional()),
});
export type SearchQuery = z.infer<typeof searchQuery>;

export const suggestQuery = z.object({
  q: z.string().max(5000).optional(),
  lang: z.preprocess(blank, z.enum(['fr', 'en']).optional()),
});

export const merchantsQuery = z.object({
  q: z.string().max(5000).optional(),
  ...geoQuery,
  category: optText(100),
  association: optText(100),
  open_now: flag,
  page: optNum(z.number().int().min(1).max(1000)),
  per_page: optNum(z.number().int().min(1).max(100)),
  lang: z.preprocess(blank, z.enum(['fr', 'en']).optional()),
});

export const productQuery = z.object({
  ...geoQuery,
  lang: z.preprocess(blank, z.enum(['fr', 'en']).optional()),
});
