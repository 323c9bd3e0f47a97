/** The back-office dashboard: the merchant's status, today's orders, active products, low stock. */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { countProducts } from '../catalog/index.ts';
import { lowStock } from '../inventory/index.ts';
import { merchantStatus } from '../merchants/index.ts';
import { countMerchantOrdersSince } from '../orders/index.ts';

export interface Dashboard {
  status: string;
  ordersToday: number;
  productCount: number;
  lowStock: {
    product_id: number;
    sku: string;
    title_fr: string;
    title_en: string;
    location: string;
    available: number;
  }[];
}

/** Midnight today in the region's time zone, as a UTC ISO string. */
export function startOfLocalDay(now: Date, timeZone: string): string {
  const local = new Date(now.toLocaleString('en-US', { timeZone }));
  const offset = now.getTime() - local.getTime();
  local.setHours(0, 0, 0, 0);
  return new Date(local.getTime() + offset).toISOString();
}

/** What the dashboard shows a merchant (404 for an unknown merchant). */
export async function dashboard(db: Kysely<DB>, merchantId: number, timeZone: string): Promise<Dashboard> {
  const status = await merchantStatus(db, merchantId);
  if (!status) throw notFound('merchant');
  const [ordersToday, productCount, low] = await Promise.all([
    countMerchantOrdersSince(db, merchantId, startOfLocalDay(new Date(), timeZone)),
    countProducts(db, { merchantId, status: 'active' }),
    lowStock(db, merchantId, 20),
  ]);
  return { status, ordersToday, productCount: Number(productCount), lowStock: low };
}
