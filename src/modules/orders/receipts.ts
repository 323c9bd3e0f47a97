/**
 * Receipts and emails, in the customer's language. A receipt follows Revenu Québec's invoice
 * rules: supplier name, date, total on every receipt; the supplier's GST and QST registration
 * numbers from $30; the purchaser's name from $150; each tax shown separately. A promo discount
 * is shown before the taxes, which are computed on the discounted amount. A small supplier's
 * receipt says no tax was collected, or names the platform that collected it (`taxLines`).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatDate, formatMoney, type Lang, t } from '../../i18n/index.ts';
import { parseHours, WEEK_DAYS } from '../common/hours.ts';
import type { Mailer, MailMessage } from '../mail/index.ts';
import { deliveryAddressText } from './order-json.ts';
import { getOrder, type OrderDetail } from './orders.service.ts';
import { formatSlot, regionTimeZone } from './pickup-slots.ts';
import { orderAccessToken } from './tokens.ts';

export const REGISTRATION_NUMBERS_FROM_CENTS = 3000;
export const PURCHASER_NAME_FROM_CENTS = 15000;

interface Deps {
  db: Kysely<DB>;
  mailer: Mailer;
  secret: string;
  baseUrl?: string;
}

export function trackingPath(lang: Lang, orderId: number, token: string) {
  return `/${lang}/${lang === 'fr' ? 'commandes' : 'orders'}/${orderId}?token=${encodeURIComponent(token)}`;
}

/** The receipt of one order as plain text lines. */
export function receiptLines(o: OrderDetail, lang: Lang, timeZone = 'America/Toronto'): string[] {
  const m = (c: number) => formatMoney(c, lang);
  const out = [
    `${t(lang, 'receipt.supplier')}: ${o.merchant_legal_name}${o.merchant_legal_name !== o.merchant_name ? ` (${o.merchant_name})` : ''}`,
    `${t(lang, 'receipt.order')}: #${o.id}`,
    `${t(lang, 'receipt.date')}: ${formatDate(o.created_at, lang)}`,
  ];
  if (o.total_cents >= PURCHASER_NAME_FROM_CENTS)
    out.push(`${t(lang, 'receipt.purchaser')}: ${o.customer_name}`);
  out.push('');
  for (const l of o.lines)
    out.push(
      `${l.quantity} × ${l.title} (${l.sku}) @ ${m(l.unit_price_cents)} = ${m(l.line_total_cents)}${l.tax_class === 'standard' ? '' : ` [${t(lang, `receipt.tax_class.${l.tax_class}`)}]`}`,
    );
  out.push('');
  out.push(`${t(lang, 'receipt.subtotal')}: ${m(o.subtotal_cents)}`);
  // A promo code lowers the price before taxes: shown between the subtotal and the taxes.
  if (o.discount_cents)
    out.push(
      `${t(lang, 'receipt.discount', { code: o.promo_code ?? '' }).trim()}: ${m(-o.discount_cents)}`,
      `${t(lang, 'receipt.subtotal_after_discount')}: ${m(o.subtotal_cents - o.discount_cents)}`,
    );
  if (o.delivery_fee_cents) out.push(`${t(lang, 'receipt.delivery_fee')}: ${m(o.delivery_fee_cents)}`);
  out.push(...taxLines(o, lang));
  out.push(`${t(lang, 'receipt.total')}: ${m(o.total_cents)}`);
  out.push(
    o.fulfilment_method === 'pickup'
      ? `${t(lang, 'receipt.pickup_at')}: ${o.location_name}, ${o.address_line}, ${o.municipality}`
      : `${t(lang, 'receipt.delivery_to')}: ${deliveryAddressText(o.delivery_address_json)}`,
  );
  if (o.pickup_slot_at)
    out.push(
      `${t(lang, 'pickup.slot')}: ${formatSlot(o.pickup_slot_at, lang, timeZone, o.pickup_slot_minutes)}`,
    );
  out.push(`${t(lang, 'receipt.payment')}: ${t(lang, `payment.method.${o.payment_method}`)}`);
  out.push(...giftCardLines(o, lang));
  return out;
}

/** A gift card's part of an order: paid by the card, what is left to pay and how, the card's balance. */
export function giftCardLines(
  o: Pick<
    OrderDetail,
    | 'payment_method'
    | 'gift_card_cents'
    | 'total_cents'
    | 'remainder_method'
    | 'gift_card_balance_after_cents'
  >,
  lang: Lang,
): string[] {
  if (o.payment_method !== 'gift_card' || o.gift_card_balance_after_cents === null) return [];
  const m = (c: number) => formatMoney(c, lang);
  const out = [`${t(lang, 'giftcard.paid_by_card')}: ${m(o.gift_card_cents)}`];
  if (o.total_cents > o.gift_card_cents)
    out.push(
      `${t(lang, 'giftcard.remainder_due', { method: t(lang, `payment.method.${o.remainder_method ?? 'in_store'}`) })}: ${m(o.total_cents - o.gift_card_cents)}`,
    );
  out.push(`${t(lang, 'giftcard.balance_left')}: ${m(o.gift_card_balance_after_cents)}`);
  return out;
}

/**
 * The tax lines of a receipt, by who collected (order_taxes, decision record 0005):
 * - the merchant (registered; orders before migration 008): GST and QST each shown, with the
 *   merchant's numbers from $30;
 * - nobody (a small supplier): one line saying so, no amounts that could read as tax charged;
 * - the platform: each tax it collected, then the line naming it and its numbers (always shown:
 *   it identifies who collected), and the GST marked as not collected when only the QST was.
 */
function taxLines(o: OrderDetail, lang: Lang): string[] {
  const m = (c: number) => formatMoney(c, lang);
  if (o.tax_regime === 'small_supplier') return [t(lang, 'small_supplier.receipt_not_registered')];
  if (o.tax_regime === 'platform') {
    const name = o.tax_collector_name ?? '';
    const gst = o.tax_collector_gst_number ?? '';
    const qst = o.tax_collector_qst_number ?? '';
    return [
      gst
        ? `${t(lang, 'receipt.gst')}: ${m(o.gst_cents)}`
        : t(lang, 'small_supplier.receipt_gst_not_collected'),
      `${t(lang, 'receipt.qst')}: ${m(o.qst_cents)}`,
      gst
        ? t(lang, 'small_supplier.receipt_collected_both', { name, gst, qst })
        : t(lang, 'small_supplier.receipt_collected_qst', { name, qst }),
    ];
  }
  const showNumbers = o.total_cents >= REGISTRATION_NUMBERS_FROM_CENTS;
  return [
    `${t(lang, 'receipt.gst')}${showNumbers && o.gst_number ? ` (${o.gst_number})` : ''}: ${m(o.gst_cents)}`,
    `${t(lang, 'receipt.qst')}${showNumbers && o.qst_number ? ` (${o.qst_number})` : ''}: ${m(o.qst_cents)}`,
  ];
}

/** Confirmation to the customer (one email for the checkout) and a new-order email to each merchant. */
export async function sendCheckoutEmails(
  deps: Deps,
  res: { checkout_id: number; orders: { order_id: number; access_token: string }[]; total_cents: number },
  lang: Lang,
) {
  const details = await Promise.all(res.orders.map((o) => getOrder(deps.db, o.order_id)));
  if (!details.length) return;
  const base = deps.baseUrl ?? '';
  const tz = await regionTimeZone(deps.db);
  const parts: string[] = [t(lang, 'email.confirmation.intro', { name: details[0].customer_name }), ''];
  for (const [i, o] of details.entries()) {
    parts.push('────────', ...receiptLines(o, lang, tz));
    parts.push(
      `${t(lang, 'email.follow_order')}: ${base}${trackingPath(lang, o.id, res.orders[i].access_token)}`,
      '',
    );
  }
  parts.push(`${t(lang, 'receipt.checkout_total')}: ${formatMoney(res.total_cents, lang)}`);
  // Recorded together (one commit for the customer's email and every merchant's), sent in this order.
  const msgs: MailMessage[] = [];
  msgs.push({
    to: details[0].customer_email,
    subject: t(lang, 'email.confirmation.subject', { checkout: res.checkout_id }),
    text: parts.join('\n'),
    lang,
    kind: 'order_confirmation',
  });
  for (const o of details) {
    if (!o.merchant_email) continue;
    // Merchants read in French by default (the region's language).
    const ml: Lang = 'fr';
    msgs.push({
      to: o.merchant_email,
      subject: t(ml, 'email.merchant_new_order.subject', { order: o.id }),
      text: [
        t(ml, 'email.merchant_new_order.intro', { order: o.id }),
        '',
        ...receiptLines(o, ml, tz),
        '',
        `${o.customer_name} <${o.customer_email}>${o.customer_phone ? ` ${o.customer_phone}` : ''}`,
      ].join('\n'),
      lang: ml,
      kind: 'merchant_new_order',
    });
  }
  await deps.mailer.sendAll(msgs);
}

/** Ready for pickup: where (the store's address), its opening hours and the slot chosen. */
export function readyForPickupLines(o: OrderDetail, lang: Lang, timeZone: string): string[] {
  const hours = parseHours(o.hours_json);
  const out = [
    '',
    `${t(lang, 'email.ready.store')}: ${o.location_name}, ${o.address_line}, ${o.municipality}${o.location_postal_code ? ` ${o.location_postal_code}` : ''}${o.location_phone ? ` · ${o.location_phone}` : ''}`,
  ];
  if (o.pickup_slot_at)
    out.push(
      `${t(lang, 'pickup.slot')}: ${formatSlot(o.pickup_slot_at, lang, timeZone, o.pickup_slot_minutes)}`,
    );
  out.push(`${t(lang, 'email.ready.hours')}:`);
  for (const d of WEEK_DAYS) {
    const ranges = hours[d] ?? [];
    out.push(
      `  ${t(lang, `hours.${d}`)}: ${ranges.length ? ranges.map(([a, b]) => `${a}–${b}`).join(', ') : t(lang, 'hours.closed')}`,
    );
  }
  return out;
}

/** Tells the customer their order changed status (in their language). */
export async function sendStatusEmail(deps: Deps, orderId: number) {
  const o = await getOrder(deps.db, orderId);
  const lang: Lang = o.lang === 'en' ? 'en' : 'fr';
  const token = orderAccessToken(deps.secret, o.id, o.access_token_hash);
  const last = o.events.at(-1);
  await deps.mailer.send({
    to: o.customer_email,
    subject: t(lang, 'email.status.subject', { order: o.id, status: t(lang, `order.status.${o.status}`) }),
    text: [
      t(lang, 'email.status.intro', {
        order: o.id,
        merchant: o.merchant_name,
        status: t(lang, `order.status.${o.status}`),
      }),
      ...(last?.reason ? [`${t(lang, 'order.reason')}: ${last.reason}`] : []),
      ...(o.status === 'ready' && o.fulfilment_method === 'pickup'
        ? readyForPickupLines(o, lang, await regionTimeZone(deps.db))
        : []),
      '',
      `${t(lang, 'email.follow_order')}: ${deps.baseUrl ?? ''}${trackingPath(lang, o.id, token)}`,
    ].join('\n'),
    lang,
    kind: 'order_status',
  });
}
