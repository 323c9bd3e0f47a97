import { publicBaseUrl } from '../config.ts';
import type { AppContext } from '../http/context.ts';
import { geocoderFor } from '../modules/geocoding/index.ts';
import { paymentMethods } from '../modules/payments/index.ts';
import type { CheckoutDeps } from './checkout.ts';

const cache = new WeakMap<AppContext, CheckoutDeps>();

/** The checkout's dependencies for one platform (payment registry built once). */
export function checkoutDeps(ctx: AppContext, log?: CheckoutDeps['log']): CheckoutDeps {
  let d = cache.get(ctx);
  if (!d) {
    d = {
      db: ctx.database.db,
      events: ctx.events,
      mailer: ctx.mailer,
      secret: ctx.secret,
      payments: paymentMethods(ctx.config),
      baseUrl: publicBaseUrl(ctx.config),
      geocoder: geocoderFor(ctx.config),
    };
    cache.set(ctx, d);
  }
  return log ? { ...d, log } : d;
}
