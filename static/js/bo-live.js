// Live new orders in the back-office: listens to the merchant's event stream (Server-Sent Events)
// and lists each new order without a reload, with a short beep (Web Audio, no file to download)
// and, once the merchant turns it on, a browser notification. Both choices are remembered on this
// device. The page works without this script (the merchant reloads to see new orders).
(() => {
  const box = document.querySelector('[data-live-orders]');
  if (!box || !window.EventSource) return;
  const list = box.querySelector('[data-live-list]');
  const status = box.querySelector('[data-live-status]');
  const sound = box.querySelector('[data-live-sound]');
  const notify = box.querySelector('[data-live-notify]');
  const SOUND_KEY = 'comptoir.live.sound';
  const NOTIFY_KEY = 'comptoir.live.notify';
  const canNotify = 'Notification' in window;

  // localStorage throws in some private modes: the choice then lasts for the page only.
  const remembered = (key) => {
    try {
      return localStorage.getItem(key);
    } catch (err) {
      console.warn('live orders: setting not readable', err);
      return null;
    }
  };
  const remember = (key, value) => {
    try {
      localStorage.setItem(key, value);
    } catch (err) {
      console.warn('live orders: setting not remembered', err);
    }
  };

  // Sound is on unless turned off; notifications only once turned on (and allowed by the browser).
  sound.checked = remembered(SOUND_KEY) !== 'off';
  notify.checked = canNotify && remembered(NOTIFY_KEY) === 'on' && Notification.permission === 'granted';
  if (!canNotify) box.querySelector('[data-live-notify-label]').hidden = true;
  box.querySelector('[data-live-controls]').hidden = false;

  let audio = null;
  // Browsers start audio only after a user gesture: prepare it on the first one.
  const unlock = () => {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) audio = new Ctx();
    if (audio && audio.state === 'suspended') audio.resume();
  };
  document.addEventListener('pointerdown', unlock, { once: true });
  document.addEventListener('keydown', unlock, { once: true });
  const beep = () => {
    if (!audio) return;
    const now = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, now);
    osc.frequency.setValueAtTime(1320, now + 0.12);
    gain.gain.setValueAtTime(0.2, now);
    gain.gain.exponentialRampToValueAtTime(0.001, now + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start(now);
    osc.stop(now + 0.35);
  };

  sound.addEventListener('change', () => {
    remember(SOUND_KEY, sound.checked ? 'on' : 'off');
    if (sound.checked) {
      unlock();
      beep();
    }
  });
  notify.addEventListener('change', async () => {
    if (notify.checked && Notification.permission !== 'granted') {
      const answer = await Notification.requestPermission();
      if (answer !== 'granted') {
        notify.checked = false;
        status.textContent = box.dataset.textDenied;
      }
    }
    remember(NOTIFY_KEY, notify.checked ? 'on' : 'off');
  });

  const seen = new Set();
  const showOrder = (id) => {
    const text = box.dataset.textNew.replace('{id}', id);
    const href = box.dataset.orderHref.replace('{id}', id);
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    li.append(a);
    list.prepend(li);
    const today = document.querySelector('[data-stat="orders-today"]');
    if (today && /^\d+$/.test(today.textContent.trim()))
      today.textContent = String(Number(today.textContent) + 1);
    if (sound.checked) beep();
    if (notify.checked && canNotify && Notification.permission === 'granted') {
      const n = new Notification(text, { tag: `order-${id}` });
      n.onclick = () => {
        window.focus();
        window.location.href = href;
      };
    }
  };

  const stream = new EventSource(box.dataset.stream);
  stream.addEventListener('open', () => {
    status.textContent = box.dataset.textWaiting;
  });
  // EventSource reconnects by itself; say so meanwhile.
  stream.addEventListener('error', () => {
    status.textContent = box.dataset.textOffline;
  });
  stream.addEventListener('order', (e) => {
    let order;
    try {
      order = JSON.parse(e.data);
    } catch (err) {
      console.warn('live orders: unreadable event', err);
      return;
    }
    if (order.status !== 'placed' || seen.has(order.order_id)) return;
    seen.add(order.order_id);
    showOrder(Number(order.order_id));
  });
  window.addEventListener('pagehide', () => stream.close());
})();
