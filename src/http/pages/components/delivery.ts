/**
 * A store's delivery on the public pages (merchant page, product page): its zones in words and,
 * when the shopper's place is known (`near`, `lat`/`lng`), whether the store delivers there, by the
 * same zones (towns, postal prefixes, radius) as the checkout.
 */
import type { VNode } from 'preact';
import { type Lang, t } from '../../../i18n/index.ts';
import { zonesText } from '../../../modules/cart/index.ts';
import {
  type DeliveryPlace,
  deliveryPlace,
  deliveryReachOf,
  deliverySettingsOf,
  reachesPlace,
} from '../../../modules/merchants/index.ts';
import type { Reference, resolvePoint } from '../../../modules/search/index.ts';
import { html } from '../html.ts';

/** The shopper's place for delivery answers, and how to name it; undefined without a place. */
export interface ShopperPlace {
  place: DeliveryPlace;
  name?: string;
}

/** The place of a resolved search point (a point found for no place given is no place). */
export function shopperPlace(
  ref: Pick<Reference, 'municipalities'>,
  point: Awaited<ReturnType<typeof resolvePoint>> | undefined,
): ShopperPlace | undefined {
  if (!point || point.source === 'region') return undefined;
  return {
    place: deliveryPlace(ref.municipalities, { point, town: point.town, postal: point.postal }),
    name: point.town ?? point.postal,
  };
}

/** `<li>` items: "Livraison : Hull : 4,00 $; …" and "Livre à Hull" / "Ne livre pas à Aylmer". */
export function DeliveryItems(
  lang: Lang,
  store: {
    lat: number;
    lng: number;
    delivery_zones_json?: string | null;
    delivery_radius_km: number;
    delivery_fee_cents: number;
  },
  shopper: ShopperPlace | undefined,
): VNode | null {
  const reach = deliveryReachOf(store);
  if (!reach) return null;
  const zones = zonesText(lang, deliverySettingsOf(store));
  const here = shopper ? reachesPlace(reach, store, shopper.place) : undefined;
  const answer =
    here === undefined
      ? undefined
      : shopper?.name
        ? t(lang, here ? 'shopper.delivers_here' : 'shopper.not_delivers_here', { place: shopper.name })
        : t(lang, here ? 'shopper.delivers_here_point' : 'shopper.not_delivers_here_point');
  return html`${zones ? html`<li>${t(lang, 'shopper.delivery_zones', { zones })}</li>` : null}${
    answer ? html`<li class=${here ? 'delivers' : 'not-delivers'}>${answer}</li>` : null
  }`;
}
