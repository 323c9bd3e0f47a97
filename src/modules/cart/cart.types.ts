/** The shapes of a cart as the pages, the API and the checkout read it. */
import type { OpeningHours } from '../common/hours.ts';
import type { DeliveryZone } from '../merchants/index.ts';
import type { OrderTotals, TaxCollection } from '../taxes/index.ts';

export interface AddItemInput {
  /** The product (its row without parent); a variant's own id is also taken, as that variant (older clients). */
  product_id: number;
  /** The variant bought; required when the product has more than one active variant. */
  variant_id?: number;
  location_id?: number;
  quantity: number;
}

/** A line that cannot be served as asked (in `out_of_stock` errors' details). */
export interface ShortLine {
  product_id: number;
  /** The variant short of stock (its `products` row id, the one stock is kept by). */
  variant_id?: number;
  location_id: number;
  requested: number;
  available: number;
  sku?: string;
}

/** A cart line whose merchant no longer takes orders (suspended, or no longer approved). */
export interface UnavailableMerchantLine {
  item_id: number;
  product_id: number;
  variant_id: number;
  sku: string;
  title: string;
  merchant_id: number;
  merchant_name: string;
}

export interface PickupOption {
  method: 'pickup';
  location_id: number;
  name: string;
  address: string;
  hours: OpeningHours;
  /** Pickup slot starts open now (UTC ISO 8601; src/modules/orders/pickup-slots.ts). */
  slots: string[];
}
export interface DeliveryOption {
  method: 'delivery';
  location_id: number;
  name: string;
  /** The store's radius for zones without towns or prefixes (reached through a geocoder), or null. */
  radius_km: number | null;
  /** The lowest fee among the store's zones (the fee charged depends on the address's zone). */
  fee_cents: number;
  /** The store's position (the radius's centre). */
  from: { lat: number; lng: number };
  zones: DeliveryZone[];
}

export interface CartLine {
  item_id: number;
  /** The product (the row without parent): its page is `/p/{product_id}`. */
  product_id: number;
  /** The variant bought: the `products` row whose stock, reservations and order line it is. */
  variant_id: number;
  /** The variant's SKU. */
  sku: string;
  /** The product's title (without options: `lineTitle` adds them). */
  title: string;
  /** The variant's option values, `{NAME: VALUE}` in the merchant's order; `{}` without variants. */
  options: Record<string, string>;
  location_id: number;
  quantity: number;
  unit_price_cents: number;
  tax_class: string;
  available: number;
}

export interface CartGroup extends OrderTotals {
  merchant: {
    id: number;
    slug: string;
    name: string;
    legal_name: string;
    gst_number: string | null;
    qst_number: string | null;
    /** False when the merchant is suspended or no longer approved: its lines cannot be ordered. */
    available: boolean;
  };
  items: CartLine[];
  fulfilment_options: (PickupOption | DeliveryOption)[];
  /** Which taxes this merchant's order carries and who collects them (small suppliers: decision 0005). */
  tax_collection: TaxCollection;
}

export interface CartView {
  cart_id: number;
  groups: CartGroup[];
  subtotal_cents: number;
  gst_cents: number;
  qst_cents: number;
  total_cents: number;
  item_count: number;
}
