// Card payment on the checkout page (docs/decisions/0007): Stripe's Payment Element in deferred
// mode collects the card; on submit Stripe.js creates a PaymentMethod whose id is posted with the
// form, and the server authorises one PaymentIntent for the whole cart (3-D Secure below). Without JavaScript (or
// without Stripe.js) the card choice stays hidden and the other methods work as before.
(() => {
  const entry = document.querySelector('[data-card-entry]');
  const choice = document.querySelector('[data-card-choice]');
  if (!entry || !choice || typeof window.Stripe !== 'function') return;
  const form = entry.closest('form');
  const hidden = entry.querySelector('input[name="card_payment_method"]');
  const errorBox = entry.querySelector('[data-card-error]');
  const lang = entry.dataset.lang === 'en' ? 'en' : 'fr-CA';
  const stripe = window.Stripe(entry.dataset.stripeKey, { locale: lang });
  const elements = stripe.elements({
    mode: 'payment',
    amount: Number(entry.dataset.amount),
    currency: 'cad',
    captureMethod: 'manual',
    paymentMethodCreation: 'manual',
  });
  elements.create('payment').mount('#card-element');
  // The gift card page: the buyer picks the amount on the form (a fixed amount or another one);
  // the Payment Element follows it (elements.update, as Stripe.js documents for deferred intents).
  if (entry.dataset.amountFromForm !== undefined) {
    let shown = Number(entry.dataset.amount);
    const chosen = () => {
      const r = form.querySelector('input[name="amount"]:checked');
      const dollars =
        r?.value === 'custom' ? form.querySelector('input[name="custom_amount"]')?.value : r?.value;
      const cents = Math.round(Number(dollars) * 100);
      return Number.isSafeInteger(cents) && cents > 0 ? cents : undefined;
    };
    const follow = () => {
      const cents = chosen();
      if (cents === undefined || cents === shown) return;
      shown = cents;
      elements.update({ amount: cents });
    };
    form.addEventListener('change', follow);
    form.addEventListener('input', follow);
    follow();
  }
  choice.hidden = false;
  const selected = () => form.querySelector('input[name="payment_method"]:checked')?.value;
  const sync = () => {
    entry.hidden = selected() !== 'card';
  };
  form.addEventListener('change', sync);
  sync();
  const showError = (message) => {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  };
  // 3-D Secure (server-side confirmation): the server answered that the bank asks the customer to
  // authenticate. Stripe.js runs the challenge (handleNextAction); the form is then resubmitted
  // with the intent, and the server decides from its status (authorised: orders confirmed;
  // failed: voided, the message shown) — the page never trusts the challenge's outcome itself.
  const secret = entry.dataset.actionSecret;
  const intent = form.querySelector('input[name="card_payment_intent"]');
  if (secret && entry.dataset.actionIntent && intent) {
    const card = choice.querySelector('input[name="payment_method"]');
    if (card) card.checked = true;
    sync();
    stripe.handleNextAction({ clientSecret: secret }).then(
      () => {
        intent.value = entry.dataset.actionIntent;
        form.submit();
      },
      () => showError(errorBox.dataset.retry || ''),
    );
  }
  let busy = false;
  form.addEventListener('submit', async (event) => {
    // Other buttons (apply a promo code, calculate the total) and other methods post as usual.
    if (selected() !== 'card' || event.submitter?.name) return;
    if (hidden.value || intent?.value) return;
    event.preventDefault();
    if (busy) return;
    busy = true;
    showError('');
    try {
      const submitted = await elements.submit();
      if (submitted.error) return showError(submitted.error.message);
      const created = await stripe.createPaymentMethod({ elements });
      if (created.error) return showError(created.error.message);
      hidden.value = created.paymentMethod.id;
      form.submit();
    } finally {
      busy = false;
    }
  });
})();
