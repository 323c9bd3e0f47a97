/** Shapes of an order for the API and the receipts (no SQL, no state). */
import type { OrderDetail } from './orders.service.ts';

/** The delivery address as the customer gave it (orders store `{text, lat, lng}`); '' for a pickup. */
export function deliveryAddressText(json: string | null): string {
  return json ? String((JSON.parse(json) as { text?: string }).text ?? '') : '';
}

/** Public JSON shape of an order (API and tracking). */
export function orderJson(o: OrderDetail) {
  return {
    order_id: o.id,
    checkout_id: o.checkout_id,
    merchant: { id: o.merchant_id, slug: o.merchant_slug, name: o.merchant_name },
    status: o.status,
    created_at: o.created_at,
    fulfilment: {
      method: o.fulfilment_method,
      location_id: o.location_id,
      ...(o.delivery_address_json ? { address: JSON.parse(o.delivery_address_json) } : {}),
      ...(o.pickup_slot_at ? { slot: o.pickup_slot_at } : {}),
    },
    lines: o.lines.map((l) => ({
      product_id: l.product_id,
      sku: l.sku,
      title: l.title,
      quantity: l.quantity,
      unit_price_cents: l.unit_price_cents,
      line_total_cents: l.line_total_cents,
      ...(l.discount_cents ? { discount_cents: l.discount_cents } : {}),
      tax_class: l.tax_class,
    })),
    totals: totalsOf(o),
    ...(o.promo_code ? { promo_code: o.promo_code } : {}),
    payment: {
      method: o.payment_method,
      status: o.payment_status,
      // A gift card paying part of the order: its share, the rest due and the card's balance after.
      ...(o.payment_method === 'gift_card' && o.gift_card_balance_after_cents !== null
        ? {
            gift_card_cents: o.gift_card_cents,
            remainder_cents: o.total_cents - o.gift_card_cents,
            remainder_method: o.remainder_method,
            gift_card_balance_after_cents: o.gift_card_balance_after_cents,
          }
        : {}),
    },
    history: o.events.map((e) => ({
      from: e.from_status,
      status: e.to_status,
      actor: e.actor,
      reason: e.reason,
      at: e.created_at,
    })),
  };
}

/**
 * An order's totals as the API shows them: total = subtotal − discount + delivery fee + GST + QST;
 * `discount_cents` (a promo code, before taxes) appears only when the order has one.
 */
export function totalsOf(o: {
  subtotal_cents: number;
  discount_cents?: number;
  delivery_fee_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
}): {
  subtotal_cents: number;
  discount_cents?: number;
  delivery_fee_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
} {
  return {
    subtotal_cents: o.subtotal_cents,
    ...(o.discount_cents ? { discount_cents: o.discount_cents } : {}),
    delivery_fee_cents: o.delivery_fee_cents,
    gst_cents: o.gst_cents,
    qst_cents: o.qst_cents,
    total_cents: o.total_cents,
  };
}
