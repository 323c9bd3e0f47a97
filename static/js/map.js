// Leaflet island: draws the markers the server rendered into [data-map] elements. Leaflet itself
// (≈40 KB gzipped) is fetched only when a map scrolls into view, so it never delays the first paint.
(() => {
  const maps = [...document.querySelectorAll('[data-map]')].filter(
    (el) => JSON.parse(el.dataset.markers || '[]').length,
  );
  if (!maps.length) return;
  let loading;
  const loadLeaflet = () => {
    if (window.L) return Promise.resolve();
    if (!loading) {
      const css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = '/vendor/leaflet.css';
      document.head.append(css);
      loading = new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/vendor/leaflet.js';
        s.onload = resolve;
        s.onerror = reject;
        document.head.append(s);
      });
    }
    return loading;
  };
  const draw = (el) => {
    const markers = JSON.parse(el.dataset.markers || '[]');
    const map = L.map(el, { scrollWheelZoom: false });
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    const points = [];
    for (const m of markers) {
      const marker = L.marker([m.lat, m.lng], { title: m.label, alt: m.label }).addTo(map);
      const content = document.createElement(m.href ? 'a' : 'span');
      content.textContent = m.label;
      if (m.href) content.href = m.href;
      marker.bindPopup(content);
      points.push([m.lat, m.lng]);
    }
    if (points.length === 1) map.setView(points[0], 14);
    else map.fitBounds(points, { padding: [24, 24], maxZoom: 15 });
  };
  const show = (el) =>
    loadLeaflet().then(
      () => draw(el),
      () => {},
    );
  if (!('IntersectionObserver' in window)) {
    maps.forEach(show);
    return;
  }
  const io = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        io.unobserve(e.target);
        show(e.target);
      }
    },
    { rootMargin: '200px' },
  );
  for (const el of maps) io.observe(el);
})();
