/**
 * A local fake of the Stripe API for the endpoints Comptoir uses (docs/decisions/0007), following
 * Stripe's documented shapes: form-encoded request bodies (`metadata[key]=…`), JSON objects with
 * `object`, Stripe errors (`{ error: { type, code, decline_code, message } }`), the `Stripe-Account`
 * header, and idempotency keys (same key → the same stored response; same key with other
 * parameters → 400 `idempotency_error`; same key while the first request is still running → 409
 * `idempotency_error`, nothing stored). `slow` makes an endpoint answer late while still doing the
 * work, as when Stripe is slow and the client has given up.
 *
 * Endpoints: POST /v1/accounts, GET /v1/accounts/:id, POST /v1/account_links,
 * POST/GET /v1/payment_intents(/:id) (POST /:id updates metadata), POST /v1/payment_intents/:id/capture|cancel,
 * POST /v1/transfers, POST /v1/transfers/:id/reversals, POST /v1/refunds; and Stripe's hosted
 * onboarding page an Account Link leads to (GET /connect/onboarding/:account, finished by its form:
 * the account enabled, the signed `account.updated` sent to `connectWebhook` when set, then the
 * browser sent to the link's `return_url`).
 *
 * Test payment methods: `pm_card_visa` (authorised), `pm_card_chargeDeclined` (402 card_declined,
 * decline_code generic_decline), `pm_card_authenticationRequired` (status requires_action: 3-D Secure,
 * answered by `authenticate`).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startOnboarding, stripeClient } from '../../src/modules/payments/index.ts';
import type { TestPlatform } from './platform.ts';

/** One request the fake received. */
export interface FakeStripeCall {
  method: string;
  path: string;
  account: string | undefined;
  idempotencyKey: string | undefined;
  params: Record<string, unknown>;
}

type Obj = Record<string, unknown> & { id: string };

/** Parses a Stripe form body (`a[b][c]=v`, `a[0]=v`) into nested objects (leaves stay strings). */
export function parseStripeForm(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const parts = key.split(/\[|\]\[|\]/).filter((s) => s !== '');
    let node = out as Record<string, unknown>;
    for (let i = 0; i < parts.length - 1; i++) {
      node[parts[i]] ??= {};
      node = node[parts[i]] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/** The Stripe-Signature header of `payload` signed with `secret` at time `t` (seconds). */
export function stripeSignature(payload: string, secret: string, t = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

/** A signed Stripe event (for a webhook endpoint): the raw JSON body and its headers. */
export function signedEvent(
  secret: string,
  type: string,
  object: Record<string, unknown>,
  opts: { id?: string; created?: number; account?: string; signedAt?: number } = {},
): { payload: string; headers: Record<string, string>; id: string } {
  const id = opts.id ?? `evt_${Math.random().toString(36).slice(2, 14)}`;
  const event = {
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    ...(opts.account ? { account: opts.account } : {}),
    data: { object },
  };
  const payload = JSON.stringify(event);
  return {
    id,
    payload,
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(payload, secret, opts.signedAt),
    },
  };
}

/** Posts a signed event to one of the app's Stripe webhooks (`/api/v1/stripe/webhook` or `…/connect-webhook`). */
export function deliverEvent(
  app: FastifyInstance,
  endpoint: 'webhook' | 'connect-webhook',
  ev: { payload: string; headers: Record<string, string> },
) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/stripe/${endpoint}`,
    headers: ev.headers,
    payload: ev.payload,
  });
}

/**
 * Onboards a merchant at the fake as its owner would: its Express account and Account Link
 * (startOnboarding), Stripe's hosted onboarding completed, then the signed `account.updated`
 * (charges and payouts enabled) delivered to the Connect webhook. Returns the account id.
 */
export async function connectMerchant(
  p: TestPlatform,
  fake: FakeStripe,
  merchantId: number,
  connectSecret: string,
): Promise<string> {
  await startOnboarding(p.context.database.db, stripeClient(p.context.config), merchantId, {
    refreshUrl: 'http://localhost/r',
    returnUrl: 'http://localhost/x',
  });
  const acct = [...fake.accounts.values()].find(
    (a) => (a.metadata as { merchant_id?: string }).merchant_id === String(merchantId),
  );
  assert.ok(acct, `an account for merchant ${merchantId}`);
  const ev = signedEvent(connectSecret, 'account.updated', fake.completeOnboarding(acct.id));
  const r = await deliverEvent(p.app, 'connect-webhook', ev);
  assert.equal(r.statusCode, 200, r.body);
  return acct.id;
}

export interface FakeStripe {
  /** http://127.0.0.1:port (STRIPE_API_BASE). */
  url: string;
  calls: FakeStripeCall[];
  accounts: Map<string, Obj>;
  intents: Map<string, Obj>;
  transfers: Map<string, Obj>;
  refunds: Map<string, Obj>;
  /** The last Account Link's URLs per account (where the hosted onboarding page sends the browser). */
  links: Map<string, { refresh_url: string; return_url: string }>;
  /** The app's Connect webhook (URL and signing secret): the hosted onboarding sends `account.updated` there. */
  connectWebhook?: { url: string; secret: string };
  /** Events the fake delivered to `connectWebhook`, with the app's answer. */
  deliveries: { type: string; account: string; status: number }[];
  /** Stripe-hosted onboarding finished for this account: charges and payouts enabled. */
  completeOnboarding(accountId: string, enabled?: boolean): Obj;
  /**
   * The customer answers the 3-D Secure challenge of an intent in `requires_action` (what Stripe.js
   * handleNextAction does with the bank): passed, `requires_capture` (manual capture); failed,
   * `requires_payment_method` with last_payment_error `payment_intent_authentication_failure`.
   */
  authenticate(intentId: string, pass: boolean): Obj;
  /** While true every request fails at the network level (Stripe unreachable). */
  down: boolean;
  /** POST paths (exact, e.g. '/v1/transfers') answered 500 api_error, as during a Stripe incident. */
  failing: Set<string>;
  /**
   * POST paths (exact, e.g. '/v1/payment_intents') that Stripe carries out late: a request is
   * executed (the object created, a keyed result stored) only after `ms`, or as soon as `until`
   * resolves, then answered (to nobody, when the client gave up). Meanwhile a request with the same
   * Idempotency-Key gets 409 `idempotency_error`. A replay of a stored result answers at once.
   */
  slow: Map<string, { ms: number; until?: Promise<unknown> }>;
  /** Keyed requests still running (slow), as `account|key`. */
  inFlight: Set<string>;
  /** Called as each API request arrives, before it is answered (a test releases a slow request on it). */
  onCall?: (call: FakeStripeCall) => void;
  close(): Promise<void>;
}

const err = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) => ({
  status,
  body: { error: { type, message, ...extra } },
});

/** Starts the fake on a random port. */
export async function startFakeStripe(): Promise<FakeStripe> {
  let seq = 0;
  const nextId = (prefix: string) => `${prefix}_${(++seq).toString().padStart(6, '0')}fake`;
  const now = () => Math.floor(Date.now() / 1000);
  const calls: FakeStripeCall[] = [];
  const accounts = new Map<string, Obj>();
  const intents = new Map<string, Obj>();
  const transfers = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const links = new Map<string, { refresh_url: string; return_url: string }>();
  const charges = new Map<
    string,
    { amount: number; intent: string; transferred: number; refunded: number }
  >();
  const idem = new Map<string, { params: string; status: number; body: unknown }>();
  let url = '';

  const notFound = (what: string, id: string) =>
    err(404, 'invalid_request_error', `No such ${what}: '${id}'`, { code: 'resource_missing' });

  function route(
    method: string,
    path: string,
    p: Record<string, unknown>,
  ): { status: number; body: unknown } {
    const seg = path.split('/').filter(Boolean); // ['v1', 'payment_intents', id, 'capture']
    const [, kind, id, action, sub] = seg;
    const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
    const int = (k: string) => (str(k) === undefined ? undefined : Number(str(k)));
    if (kind === 'accounts') {
      if (method === 'POST' && !id) {
        const acct: Obj = {
          id: nextId('acct'),
          object: 'account',
          type: str('type') ?? 'express',
          country: str('country') ?? 'CA',
          default_currency: 'cad',
          email: str('email') ?? null,
          capabilities: {},
          charges_enabled: false,
          payouts_enabled: false,
          details_submitted: false,
          metadata: p.metadata ?? {},
          created: now(),
        };
        accounts.set(acct.id, acct);
        return { status: 200, body: acct };
      }
      const acct = id ? accounts.get(id) : undefined;
      if (method === 'GET' && id) return acct ? { status: 200, body: acct } : notFound('account', id);
    }
    if (kind === 'account_links' && method === 'POST') {
      const account = str('account') ?? '';
      if (!accounts.has(account)) return notFound('account', account);
      for (const k of ['refresh_url', 'return_url'])
        if (!/^https?:\/\//.test(str(k) ?? ''))
          return err(400, 'invalid_request_error', `Invalid URL: ${k}`, { param: k, code: 'url_invalid' });
      links.set(account, { refresh_url: str('refresh_url') ?? '', return_url: str('return_url') ?? '' });
      return {
        status: 200,
        body: {
          object: 'account_link',
          created: now(),
          expires_at: now() + 300,
          url: `${url}/connect/onboarding/${account}?type=${str('type') ?? 'account_onboarding'}`,
        },
      };
    }
    if (kind === 'payment_intents') {
      if (method === 'POST' && !id) {
        const amount = int('amount');
        if (!amount || amount < 50)
          return err(400, 'invalid_request_error', 'Amount must be at least 50 cents', {
            param: 'amount',
            code: 'amount_too_small',
          });
        const pm = str('payment_method') ?? null;
        const pi: Obj = {
          id: nextId('pi'),
          object: 'payment_intent',
          amount,
          amount_capturable: 0,
          amount_received: 0,
          currency: str('currency') ?? 'cad',
          capture_method: str('capture_method') ?? 'automatic_async',
          transfer_group: str('transfer_group') ?? null,
          metadata: p.metadata ?? {},
          payment_method: pm,
          latest_charge: null,
          next_action: null,
          last_payment_error: null,
          status: pm ? 'requires_confirmation' : 'requires_payment_method',
          created: now(),
        };
        pi.client_secret = `${pi.id}_secret_fake`;
        intents.set(pi.id, pi);
        if (str('confirm') === 'true' && pm) return confirm(pi);
        return { status: 200, body: pi };
      }
      const pi = id ? intents.get(id) : undefined;
      if (id && !pi) return notFound('payment_intent', id);
      if (pi && method === 'GET' && !action) return { status: 200, body: pi };
      if (pi && method === 'POST' && !action) {
        // Update: metadata keys merge (an empty value deletes the key), as at Stripe.
        const meta = { ...(pi.metadata as Record<string, string>) };
        for (const [k, v] of Object.entries((p.metadata ?? {}) as Record<string, string>))
          if (v === '') delete meta[k];
          else meta[k] = v;
        pi.metadata = meta;
        return { status: 200, body: pi };
      }
      if (pi && method === 'POST' && action === 'capture') {
        if (pi.status !== 'requires_capture')
          return err(
            400,
            'invalid_request_error',
            `This PaymentIntent could not be captured because it has a status of ${pi.status}.`,
            {
              code: 'payment_intent_unexpected_state',
              payment_intent: pi,
            },
          );
        const charge = nextId('ch');
        charges.set(charge, { amount: pi.amount as number, intent: pi.id, transferred: 0, refunded: 0 });
        Object.assign(pi, {
          status: 'succeeded',
          amount_capturable: 0,
          amount_received: pi.amount,
          latest_charge: charge,
        });
        return { status: 200, body: pi };
      }
      if (pi && method === 'POST' && action === 'cancel') {
        if (pi.status === 'succeeded' || pi.status === 'canceled')
          return err(
            400,
            'invalid_request_error',
            `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
            {
              code: 'payment_intent_unexpected_state',
              payment_intent: pi,
            },
          );
        Object.assign(pi, {
          status: 'canceled',
          amount_capturable: 0,
          cancellation_reason: 'requested_by_customer',
        });
        return { status: 200, body: pi };
      }
    }
    if (kind === 'transfers') {
      if (method === 'POST' && !id) {
        const amount = int('amount') ?? 0;
        const destination = str('destination') ?? '';
        if (!accounts.has(destination)) return notFound('account', destination);
        const source = str('source_transaction');
        const ch = source ? charges.get(source) : undefined;
        if (source && !ch) return notFound('charge', source);
        if (ch && ch.transferred + amount > ch.amount)
          return err(
            400,
            'invalid_request_error',
            'Transfers using this transaction as a source must not exceed the source amount.',
            {
              code: 'balance_insufficient',
            },
          );
        if (ch) ch.transferred += amount;
        const tr: Obj = {
          id: nextId('tr'),
          object: 'transfer',
          amount,
          amount_reversed: 0,
          currency: str('currency') ?? 'cad',
          destination,
          source_transaction: source ?? null,
          transfer_group: str('transfer_group') ?? null,
          metadata: p.metadata ?? {},
          reversed: false,
          reversals: { object: 'list', data: [], has_more: false, url: '' },
          created: now(),
        };
        transfers.set(tr.id, tr);
        return { status: 200, body: tr };
      }
      const tr = id ? transfers.get(id) : undefined;
      if (id && !tr) return notFound('transfer', id);
      if (tr && method === 'POST' && action === 'reversals' && !sub) {
        const amount = int('amount') ?? (tr.amount as number) - (tr.amount_reversed as number);
        if (amount + (tr.amount_reversed as number) > (tr.amount as number))
          return err(400, 'invalid_request_error', 'Reversal amount exceeds the transfer amount.', {
            param: 'amount',
          });
        tr.amount_reversed = (tr.amount_reversed as number) + amount;
        tr.reversed = tr.amount_reversed === tr.amount;
        const rev = {
          id: nextId('trr'),
          object: 'transfer_reversal',
          amount,
          currency: tr.currency,
          transfer: tr.id,
          metadata: p.metadata ?? {},
          created: now(),
        };
        (tr.reversals as { data: unknown[] }).data.push(rev);
        return { status: 200, body: rev };
      }
    }
    if (kind === 'refunds' && method === 'POST' && !id) {
      const piId = str('payment_intent') ?? '';
      const pi = intents.get(piId);
      if (!pi) return notFound('payment_intent', piId);
      const ch = pi.latest_charge ? charges.get(pi.latest_charge as string) : undefined;
      if (!ch)
        return err(400, 'invalid_request_error', 'This PaymentIntent has no successful charge to refund.', {
          code: 'charge_not_refundable',
        });
      const amount = int('amount') ?? ch.amount - ch.refunded;
      if (amount + ch.refunded > ch.amount)
        return err(
          400,
          'invalid_request_error',
          `Refund amount ($${amount / 100}) is greater than unrefunded amount on charge.`,
          {
            param: 'amount',
            code: 'amount_too_large',
          },
        );
      ch.refunded += amount;
      const re: Obj = {
        id: nextId('re'),
        object: 'refund',
        amount,
        currency: pi.currency,
        charge: pi.latest_charge,
        payment_intent: pi.id,
        metadata: p.metadata ?? {},
        status: 'succeeded',
        created: now(),
      };
      refunds.set(re.id, re);
      return { status: 200, body: re };
    }
    return err(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`);
  }

  // `target` receives the outcome (the stored intent, when `pi` is a view with the challenge passed).
  function confirm(pi: Obj, target: Obj = pi): { status: number; body: unknown } {
    const pm = pi.payment_method;
    if (pm === 'pm_card_chargeDeclined') {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline' };
      return err(402, 'card_error', 'Your card was declined.', {
        code: 'card_declined',
        decline_code: 'generic_decline',
        payment_intent: pi,
      });
    }
    if (pm === 'pm_card_authenticationRequired') {
      pi.status = 'requires_action';
      pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } };
      return { status: 200, body: pi };
    }
    target.status = pi.capture_method === 'manual' ? 'requires_capture' : 'succeeded';
    if (target.status === 'requires_capture') target.amount_capturable = pi.amount;
    if (target.status === 'succeeded') {
      // Automatic capture (a gift card purchase): charged at once, as at Stripe.
      const charge = nextId('ch');
      charges.set(charge, { amount: pi.amount as number, intent: target.id, transferred: 0, refunded: 0 });
      Object.assign(target, { amount_received: pi.amount, latest_charge: charge });
    }
    return { status: 200, body: target };
  }

  const fake: FakeStripe = {
    url: '',
    calls,
    accounts,
    intents,
    transfers,
    refunds,
    links,
    deliveries: [],
    down: false,
    failing: new Set<string>(),
    slow: new Map(),
    inFlight: new Set<string>(),
    authenticate(intentId, pass) {
      const pi = intents.get(intentId);
      if (!pi) throw new Error(`no payment intent ${intentId}`);
      if (pi.status !== 'requires_action') throw new Error(`${intentId} is ${String(pi.status)}`);
      pi.next_action = null;
      if (pass) confirm({ ...pi, payment_method: 'pm_card_visa' }, pi);
      else
        Object.assign(pi, {
          status: 'requires_payment_method',
          last_payment_error: {
            type: 'invalid_request_error',
            code: 'payment_intent_authentication_failure',
            message:
              'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
          },
        });
      return pi;
    },
    completeOnboarding(accountId, enabled = true) {
      const acct = accounts.get(accountId);
      if (!acct) throw new Error(`no account ${accountId}`);
      Object.assign(acct, {
        charges_enabled: enabled,
        payouts_enabled: enabled,
        details_submitted: true,
        capabilities: {
          card_payments: enabled ? 'active' : 'inactive',
          transfers: enabled ? 'active' : 'inactive',
        },
      });
      return acct;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (fake.down) {
      req.socket.destroy();
      return;
    }
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      const [path, query = ''] = (req.url ?? '').split('?');
      const hosted = /^\/connect\/onboarding\/(acct_\w+)(\/done)?$/.exec(path);
      if (hosted) {
        hostedOnboarding(req.method ?? 'GET', hosted[1], Boolean(hosted[2]), res).catch((e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        });
        return;
      }
      const params = parseStripeForm(req.method === 'GET' ? query : raw);
      const account = req.headers['stripe-account'] as string | undefined;
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      const call = { method: req.method ?? '', path, account, idempotencyKey, params };
      calls.push(call);
      fake.onCall?.(call);
      const send = (status: number, body: unknown, replayed = false) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'request-id': `req_${++seq}`,
          ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        });
        res.end(JSON.stringify(body));
      };
      if (!/^Bearer sk_test_/.test(String(req.headers.authorization ?? '')))
        return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
      // A Stripe incident: 500, and (as at Stripe) the keyed request is not stored, so a retry runs.
      if (req.method === 'POST' && fake.failing.has(path))
        return send(500, { error: { type: 'api_error', message: 'An unknown error occurred' } });
      const scope = `${account ?? ''}|${idempotencyKey ?? ''}`;
      const signature = `${req.method} ${path} ${raw}`;
      if (idempotencyKey && req.method === 'POST') {
        const seen = idem.get(scope);
        if (seen && seen.params !== signature)
          return send(400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            },
          });
        if (seen) return send(seen.status, seen.body, true);
        // Stripe: a request that conflicts with another one still executing under the same key.
        if (fake.inFlight.has(scope))
          return send(409, {
            error: {
              type: 'idempotency_error',
              message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${idempotencyKey}. Please try again later.`,
            },
          });
      }
      const execute = () => {
        const { status, body } = route(req.method ?? 'GET', path, params);
        // Stripe stores the result of a keyed request, errors included (not 5xx, not 429).
        if (idempotencyKey && req.method === 'POST')
          idem.set(scope, { params: signature, status, body: JSON.parse(JSON.stringify(body)) });
        return { status, body };
      };
      const slow = req.method === 'POST' ? fake.slow.get(path) : undefined;
      if (!slow) {
        const { status, body } = execute();
        return send(status, body);
      }
      if (idempotencyKey) fake.inFlight.add(scope);
      let timer: NodeJS.Timeout | undefined;
      void Promise.race([
        new Promise((r) => {
          timer = setTimeout(r, slow.ms);
          timer.unref();
        }),
        slow.until ?? new Promise(() => {}),
      ]).then(() => {
        clearTimeout(timer);
        const { status, body } = execute();
        fake.inFlight.delete(scope);
        // The client may have given up (timed out): the work is done all the same.
        if (!res.destroyed && !res.socket?.destroyed) send(status, body);
      });
    });
  });
  /**
   * Stripe's hosted onboarding (what an Account Link opens): a page whose form stands for the
   * merchant's answers; submitted, the account is enabled, Stripe sends the signed `account.updated`
   * to the platform's Connect webhook, and the browser goes back to the link's return_url.
   */
  async function hostedOnboarding(method: string, account: string, done: boolean, res: ServerResponse) {
    const link = links.get(account);
    if (!accounts.has(account) || !link) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('This account link has expired.');
    }
    if (method === 'GET' && !done) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(`<!doctype html><html lang="en"><title>Stripe Express onboarding</title><link rel="icon" href="data:,">
<main><h1>Stripe Express (test mode)</h1><form method="post" action="/connect/onboarding/${account}/done">
<button type="submit">Use test data and submit</button></form></main>`);
    }
    const acct = fake.completeOnboarding(account);
    if (fake.connectWebhook) {
      const ev = signedEvent(fake.connectWebhook.secret, 'account.updated', acct, { account });
      const r = await fetch(fake.connectWebhook.url, {
        method: 'POST',
        headers: ev.headers,
        body: ev.payload,
      });
      await r.arrayBuffer();
      fake.deliveries.push({ type: 'account.updated', account, status: r.status });
    }
    res.writeHead(303, { location: link.return_url });
    res.end();
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.url = url;
  return fake;
}
