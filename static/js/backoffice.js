// Back-office progressive enhancement: focus the error summary after a failed submit,
// and confirm destructive actions. Every form works without this script.
(() => {
  const summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  }
})();

// Map pin: clicking the map fills the latitude and longitude fields (which stay usable without it).
(() => {
  if (!window.L) return;
  for (const el of document.querySelectorAll('[data-pin-map]')) {
    const lat = document.getElementById(el.dataset.lat);
    const lng = document.getElementById(el.dataset.lng);
    if (!lat || !lng) continue;
    const start = [
      Number(lat.value) || Number(el.dataset.centerLat),
      Number(lng.value) || Number(el.dataset.centerLng),
    ];
    const map = L.map(el, { scrollWheelZoom: false }).setView(start, lat.value ? 15 : 10);
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
    let marker = lat.value ? L.marker(start).addTo(map) : null;
    map.on('click', (e) => {
      lat.value = e.latlng.lat.toFixed(6);
      lng.value = e.latlng.lng.toFixed(6);
      if (marker) marker.setLatLng(e.latlng);
      else marker = L.marker(e.latlng).addTo(map);
    });
  }
})();
