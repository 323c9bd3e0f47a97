// Leaflet island: draws the markers the server rendered into [data-map] elements.
(() => {
  if (!window.L) return;
  for (const el of document.querySelectorAll('[data-map]')) {
    const markers = JSON.parse(el.dataset.markers || '[]');
    if (!markers.length) continue;
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
  }
})();
