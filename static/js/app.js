// Progressive enhancement only: every page works without this file.
(() => {
  // Live stock: elements tagged data-stock-product get updates over Server-Sent Events.
  const stockEls = document.querySelectorAll('[data-stock-product]');
  if (stockEls.length && 'EventSource' in window) {
    const ids = [...new Set([...stockEls].map((e) => e.dataset.stockProduct))].slice(0, 200);
    const lang = document.documentElement.lang.startsWith('en') ? 'en' : 'fr';
    const text = (n) =>
      n <= 0
        ? lang === 'fr'
          ? 'Rupture de stock'
          : 'Out of stock'
        : n <= 3
          ? lang === 'fr'
            ? `Plus que ${n}`
            : `Only ${n} left`
          : lang === 'fr'
            ? `En stock (${n})`
            : `In stock (${n})`;
    const es = new EventSource(`/api/v1/stream?products=${ids.join(',')}`);
    es.addEventListener('stock', (ev) => {
      const d = JSON.parse(ev.data);
      for (const el of document.querySelectorAll(`[data-stock-product="${d.product_id}"]`)) {
        const loc = el.dataset.stockLocation;
        if (loc && loc !== String(d.location_id)) continue;
        el.textContent = text(d.available);
        el.className = d.available <= 0 ? 'stock out' : d.available <= 3 ? 'stock low' : 'stock in';
        // The offer's "add to cart" follows its badge: disabled while out of stock, back when restocked.
        const button = el
          .closest('.offer, .default-offer')
          ?.querySelector('form.add-to-cart button[type="submit"]');
        if (button) {
          button.disabled = d.available <= 0;
          button.setAttribute('aria-disabled', String(d.available <= 0));
        }
      }
    });
  }

  // As-you-type suggestions for the header search box, set up on its first focus: no DOM work
  // while the page loads (on back-office pages the box is even hidden on phones).
  const input = document.querySelector('input[data-suggest]');
  input?.addEventListener('focus', () => suggest(input), { once: true });
  function suggest(input) {
    const list = document.createElement('datalist');
    list.id = 'suggestions';
    input.setAttribute('list', list.id);
    input.after(list);
    let timer;
    let controller;
    let urls = new Map();
    input.addEventListener('change', () => {
      const url = urls.get(input.value);
      if (url?.startsWith('/')) window.location.assign(url);
    });
    input.addEventListener('input', () => {
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(async () => {
        controller?.abort();
        controller = new AbortController();
        try {
          const res = await fetch(`${input.dataset.suggest}&q=${encodeURIComponent(q)}`, {
            signal: controller.signal,
          });
          if (!res.ok) return;
          const data = await res.json();
          urls = new Map();
          list.replaceChildren(
            ...(data.suggestions || []).slice(0, 8).map((s) => {
              const o = document.createElement('option');
              o.value = s.text;
              // Merchants and categories open their own page when picked.
              if (s.type !== 'product' && s.url) urls.set(s.text, s.url);
              return o;
            }),
          );
        } catch {}
      }, 120);
    });
  }

  // Product variants: the stores' variant choosers follow each other, and the variants' stock
  // table marks the chosen row (without JavaScript every form chooses on its own).
  const choosers = document.querySelectorAll('select[data-variant-chooser]');
  const markVariant = (id) => {
    for (const row of document.querySelectorAll('tr[data-variant]'))
      row.classList.toggle('chosen', row.dataset.variant === id);
  };
  for (const select of choosers) {
    select.addEventListener('change', () => {
      for (const other of choosers)
        if (other !== select && other.querySelector(`option[value="${select.value}"]`))
          other.value = select.value;
      markVariant(select.value);
    });
  }
  if (choosers.length) markVariant(choosers[0].value);
})();
