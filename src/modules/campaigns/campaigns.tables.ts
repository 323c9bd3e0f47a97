import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<string, string | undefined, string>;

declare module '../../db/schema.ts' {
  interface DB {
    campaigns: {
      id: Generated<number>;
      slug: string;
      association_id: number | null;
      title_fr: string;
      title_en: string;
      body_fr: ColumnType<string, string | undefined, string>;
      body_en: ColumnType<string, string | undefined, string>;
      banner_url: string | null;
      starts_at: string;
      ends_at: string;
      published: ColumnType<number, number | undefined, number>;
      created_at: Ts;
    };
    campaign_merchants: { campaign_id: number; merchant_id: number };
    campaign_products: { campaign_id: number; product_id: number };
    campaign_visits: { campaign_id: number; day: string; visits: number };
    promo_codes: {
      id: Generated<number>;
      campaign_id: number;
      code: string;
      kind: 'percent' | 'amount';
      value: number;
      merchant_id: number | null;
      min_subtotal_cents: ColumnType<number, number | undefined, number>;
      max_uses: number | null;
      uses: ColumnType<number, number | undefined, number>;
      created_at: Ts;
    };
  }
}
