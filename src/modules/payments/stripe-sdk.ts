/**
 * The Stripe SDK, required when first needed (a client built, a Stripe error classified) rather
 * than by every server start: importing it costs ≈ 0.3 s of CPU, and a region without card
 * payments never needs it (docs/PERFORMANCE.md, issue 19). Every use of the SDK's classes goes
 * through here, so `instanceof` always compares with the classes of the one copy loaded.
 */
import { createRequire } from 'node:module';
import type Stripe from 'stripe';

let sdk: typeof Stripe | undefined;

/** The Stripe class (its `errors` namespace included). */
export function stripeSdk(): typeof Stripe {
  sdk ??= createRequire(import.meta.url)('stripe') as typeof Stripe;
  return sdk;
}
