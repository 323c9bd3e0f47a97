/**
 * The checkout's dependencies for one platform, built once (payment registry, geocoder). The
 * caller (HTTP) passes the platform's pieces; workflows never import from src/http.
 */
import { type Config, publicBaseUrl } from '../config.ts';
import type { EventBus } from '../modules/events/index.ts';
import { geocoderFor } from '../modules/geocoding/index.ts';
import type { Mailer } from '../modules/mail/index.ts';
import { paymentMethods } from '../modules/payments/index.ts';
import type { CheckoutDeps } from './checkout/index.ts';

/** What the checkout takes from the platform (the HTTP layer's context has all of it). */
export interface CheckoutPlatform {
  config: Config;
  database: { db: CheckoutDeps['db'] };
  events: EventBus;
  mailer: Mailer;
  secret: string;
}

const cache = new WeakMap<CheckoutPlatform, CheckoutDeps>();

/** The checkout's dependencies for one platform (payment registry built once); `log` for this request. */
export function checkoutDeps(platform: CheckoutPlatform, log?: CheckoutDeps['log']): CheckoutDeps {
  let d = cache.get(platform);
  if (!d) {
    d = {
      db: platform.database.db,
      events: platform.events,
      mailer: platform.mailer,
      secret: platform.secret,
      payments: paymentMethods(platform.config),
      baseUrl: publicBaseUrl(platform.config),
      geocoder: geocoderFor(platform.config),
    };
    cache.set(platform, d);
  }
  return log ? { ...d, log } : d;
}
