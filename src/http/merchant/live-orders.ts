/**
 * The live new-orders island of the dashboard and the orders list: static/js/bo-live.js listens to
 * the merchant's event stream (`/api/v1/merchant/stream`, signed-in session) and lists each new
 * order without a reload, with a beep and a browser notification the merchant can turn off.
 * Without JavaScript the section only says to reload; the sound and notification toggles stay hidden.
 */
import type { VNode } from 'preact';
import { type Lang, t } from '../../i18n/index.ts';
import { html } from '../pages/html.ts';
import { bo } from './layout.ts';

/** The island's script, for `renderBo`'s `scripts`. */
export const LIVE_ORDERS_SCRIPT = '/static/js/bo-live.js?v=1';

/** The live new-orders section. */
export function LiveOrders(lang: Lang, merchantId: number): VNode {
  return html`<section
    class="live-orders"
    aria-labelledby="live-orders-h"
    data-live-orders
    data-stream=${`/api/v1/merchant/stream?merchant_id=${merchantId}&lang=${lang}`}
    data-order-href=${bo(lang, 'orders', '/{id}')}
    data-text-new=${t(lang, 'live.new_order')}
    data-text-waiting=${t(lang, 'live.waiting')}
    data-text-offline=${t(lang, 'live.offline')}
    data-text-denied=${t(lang, 'live.notify_denied')}
  >
    <h2 id="live-orders-h">${t(lang, 'live.title')}</h2>
    <p class="hint" data-live-status>${t(lang, 'live.no_js')}</p>
    <ul class="live-list" data-live-list aria-live="polite"></ul>
    <div class="live-controls" data-live-controls hidden>
      <label class="check"><input type="checkbox" data-live-sound /> ${t(lang, 'live.sound')}</label>
      <label class="check" data-live-notify-label><input type="checkbox" data-live-notify /> ${t(lang, 'live.notify')}</label>
    </div>
  </section>`;
}
