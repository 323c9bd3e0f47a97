// A stub of Stripe.js for browser tests and screenshots (issue 15), served by a local server that
// also plays the test bank's 3-D Secure page and reports its answer to the fake Stripe API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeStripe } from './fake-stripe.ts';

/**
 * A stub of Stripe.js v3 for the calls card-payment.js makes: Stripe(pk).elements({ mode: 'payment',
 * ... }).create('payment').mount(selector), elements.update({ amount }), elements.submit(),
 * stripe.createPaymentMethod({ elements }).
 * Its "Payment Element" is one labelled field; the typed test card number picks Stripe's test
 * PaymentMethod id (4242… → pm_card_visa, 4000 0000 0000 0002 → pm_card_chargeDeclined,
 * 4000 0027 6000 3184 → pm_card_authenticationRequired), and stripe.handleNextAction({ clientSecret })
 * opens the test bank's 3-D Secure page in a frame (served by the stub's server, answered at the fake).
 */
export const STRIPE_JS_STUB = `
const stubOrigin = new URL(document.currentScript.src).origin;
window.Stripe = function (key, opts) {
  if (!/^pk_test_/.test(key)) throw new Error('publishable key expected');
  let field;
  const elements = {
    options: null,
    create(type) {
      if (type !== 'payment') throw new Error('payment element expected');
      return {
        mount(selector) {
          const box = document.querySelector(selector);
          box.innerHTML = '<label for="stub-card">Numéro de carte (test)</label><input id="stub-card" autocomplete="cc-number" inputmode="numeric" />';
          field = box.querySelector('input');
          window.__stripeStub.mounted = true;
        },
      };
    },
    // elements.update({ amount }) (Stripe.js): the deferred intent's amount follows the page.
    update(changes) {
      Object.assign(elements.options, changes);
      window.__stripeStub.updates = (window.__stripeStub.updates || 0) + 1;
    },
    async submit() {
      if (!field.value.trim()) return { error: { type: 'validation_error', message: 'Numéro de carte incomplet.' } };
      return {};
    },
  };
  window.__stripeStub = { key, locale: opts && opts.locale, mounted: false };
  return {
    elements(options) {
      elements.options = options;
      window.__stripeStub.elementsOptions = options;
      return elements;
    },
    async createPaymentMethod({ elements: e }) {
      const n = field.value.replace(/\\s/g, '');
      const id = n === '4000000000000002' ? 'pm_card_chargeDeclined' : n === '4242424242424242' ? 'pm_card_visa' : n === '4000002760003184' ? 'pm_card_authenticationRequired' : null;
      if (!id) return { error: { type: 'card_error', code: 'invalid_number', message: 'Numéro de carte invalide.' } };
      return { paymentMethod: { id, object: 'payment_method', type: 'card' } };
    },
    // The bank's challenge in a frame (as Stripe.js does), answered there; resolves when it closes.
    handleNextAction({ clientSecret }) {
      const pi = clientSecret.split('_secret_')[0];
      window.__stripeStub.nextAction = pi;
      const frame = document.createElement('iframe');
      frame.title = '3-D Secure';
      frame.src = stubOrigin + '/3ds?pi=' + encodeURIComponent(pi);
      frame.style.cssText = 'position:fixed;inset:10%;width:80%;height:60%;background:#fff;z-index:99';
      document.body.append(frame);
      return new Promise((resolve) => {
        window.addEventListener('message', function done(ev) {
          if (ev.origin !== stubOrigin || !ev.data || ev.data.type !== 'stub-3ds') return;
          window.removeEventListener('message', done);
          frame.remove();
          resolve(ev.data.pass
            ? { paymentIntent: { id: pi, status: 'requires_capture' } }
            : { error: { type: 'invalid_request_error', code: 'payment_intent_authentication_failure', message: 'Authentification refusée.' } });
        });
      });
    },
  };
};
`;

/** The test bank's 3-D Secure page (like Stripe's test-mode challenge) and its answer. */
const challengePage = (pi: string) => `<!doctype html><html lang="fr"><title>3-D Secure</title>
<p>Test 3-D Secure</p>
<a href="/3ds/answer?pass=1&pi=${encodeURIComponent(pi)}">Réussir l’authentification</a>
<a href="/3ds/answer?pass=0&pi=${encodeURIComponent(pi)}">Échouer l’authentification</a>`;
const answeredPage = (pass: boolean) =>
  `<!doctype html><html lang="fr"><title>3-D Secure</title><script>parent.postMessage({ type: 'stub-3ds', pass: ${pass} }, '*');</script>`;

/** Serves the stub at `<url>/v3/` and the test bank's challenge at `/3ds`; `url` is STRIPE_JS_URL. */
export async function startStripeJsStub(fake: FakeStripe): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://stub');
    const pi = u.searchParams.get('pi') ?? '';
    if (u.pathname === '/3ds') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(challengePage(pi));
    }
    if (u.pathname === '/3ds/answer') {
      // The bank's answer reaches Stripe (the fake), as the real challenge does.
      const pass = u.searchParams.get('pass') === '1';
      fake.authenticate(pi, pass);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(answeredPage(pass));
    }
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(STRIPE_JS_STUB);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
