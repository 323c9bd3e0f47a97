/** Images that could not be fetched, for the merchant's back-office (reasons translated). */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Lang, t } from '../../i18n/index.ts';
import { findProductsByIds } from '../catalog/index.ts';
import { selectFailures } from './media.repository.ts';

/** One failed (or retrying) image of a product. */
export interface ImageFailure {
  product_id: number;
  sku: string;
  title_fr: string;
  source_url: string;
  /** Translated reason. */
  reason: string;
  /** True while retries remain. */
  retrying: boolean;
  updated_at: string;
}

/** The reason stored with a failure (`http_status:404`) in the reader's language. */
export function imageFailureReason(lang: Lang, stored: string): string {
  const [code, detail] = stored.split(':');
  const k = `image_fetch.reason.${code}`;
  const text = t(lang, k, { status: detail ?? '', detail: detail ?? '' });
  return text === k ? t(lang, 'image_fetch.reason.network', { detail: stored }) : text;
}

/** The merchant's products whose image could not be fetched (latest first). */
export async function listImageFailures(db: Kysely<DB>, merchantId: number, lang: Lang, limit = 100) {
  const rows = await selectFailures(db, merchantId, limit);
  const products = new Map(
    (
      await findProductsByIds(
        db,
        rows.map((r) => r.product_id),
        { merchantId },
      )
    ).map((p) => [p.id, p]),
  );
  return rows.flatMap((r): ImageFailure[] => {
    const p = products.get(r.product_id);
    if (!p) return [];
    return [
      {
        product_id: r.product_id,
        sku: p.sku,
        title_fr: p.title_fr,
        source_url: r.source_url,
        reason: imageFailureReason(lang, r.last_error as string),
        retrying: r.status === 'pending',
        updated_at: r.updated_at,
      },
    ];
  });
}
