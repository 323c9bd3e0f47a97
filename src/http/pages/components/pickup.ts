import type { VNode } from 'preact';
import { type Lang, t } from '../../../i18n/index.ts';
import type { PickupOption } from '../../../modules/cart/index.ts';
import { formatSlot } from '../../../modules/orders/index.ts';
import { html } from '../html.ts';

/** The pickup slot select of one store at checkout (values: UTC ISO starts; labels: local time). */
export function PickupSlotSelect(
  lang: Lang,
  merchantId: number,
  o: PickupOption,
  form: Record<string, string>,
  timeZone: string,
): VNode {
  const name = `f_${merchantId}_slot_${o.location_id}`;
  if (!o.slots.length) return html`<p class="hint">${t(lang, 'pickup.no_slots')}</p>`;
  return html`<div class="field pickup-slot">
    <label for=${`c-${name}`}>${t(lang, 'pickup.slot_label', { store: o.name })}</label>
    <select id=${`c-${name}`} name=${name}>
      <option value="">${t(lang, 'pickup.slot_any')}</option>
      ${o.slots.map(
        (s) =>
          html`<option value=${s} selected=${form[name] === s}>${formatSlot(s, lang, timeZone)}</option>`,
      )}
    </select>
  </div>`;
}
