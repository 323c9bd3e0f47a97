/**
 * The store page's pickup and delivery editor: rows of towns / postal prefixes / fee / minimum,
 * a radius and the preparation time, read into the settings `setLocationFulfilment` validates
 * (the same function as `PUT /api/v1/merchant/locations/{code}` and the demo seed). Errors come
 * back at their row's field.
 */
import type { VNode } from 'preact';
import { z } from 'zod';
import { type Lang, t } from '../../i18n/index.ts';
import type { FieldIssue } from '../../lib/errors.ts';
import { deliverySettingsOf } from '../../modules/merchants/index.ts';
import { html } from '../pages/html.ts';
import { Field, type FieldErrors } from './forms.ts';

type V = Record<string, unknown>;
const s = (v: V, k: string) => (v[k] === undefined || v[k] === null ? '' : String(v[k]));
/** Blank rows offered below the saved zones. */
const BLANK_ROWS = 2;
const MAX_ROWS = 50;

/** The zone editor's fields, as a typed form schema's shape (every one optional text). */
export const zoneFormFields: Record<string, z.ZodOptional<z.ZodString>> = Object.fromEntries([
  ...['preparation_minutes', 'delivery_enabled', 'radius_km'].map((k) => [k, z.string().max(100).optional()]),
  ...Array.from({ length: MAX_ROWS }, (_, i) =>
    ['towns', 'prefixes', 'fee', 'min'].map((f) => [`zone_${i}_${f}`, z.string().max(10_000).optional()]),
  ).flat(),
]);

const dollars = (cents: number | null | undefined) =>
  cents === null || cents === undefined ? '' : (cents / 100).toFixed(2);

/** A stored store row as form values (zone_0_towns, zone_0_prefixes, zone_0_fee, zone_0_min…). */
export function zoneFormValues(row: {
  pickup: number;
  preparation_minutes?: number | null;
  delivery_zones_json?: string | null;
  delivery_radius_km: number;
  delivery_fee_cents: number;
}): V {
  const d = deliverySettingsOf(row);
  const v: V = {
    delivery_enabled: d.enabled ? '1' : '',
    radius_km: d.radius_km ?? '',
    preparation_minutes: row.preparation_minutes ?? '',
  };
  d.zones.forEach((z, i) => {
    v[`zone_${i}_towns`] = z.towns.join(', ');
    v[`zone_${i}_prefixes`] = z.postal_prefixes.join(' ');
    v[`zone_${i}_fee`] = dollars(z.fee_cents);
    v[`zone_${i}_min`] = dollars(z.min_order_cents);
  });
  return v;
}

function rowCount(v: V): number {
  let n = 0;
  for (let i = 0; i < MAX_ROWS; i++)
    if (['towns', 'prefixes', 'fee', 'min'].some((k) => s(v, `zone_${i}_${k}`).trim())) n = i + 1;
  return Math.min(MAX_ROWS, n + BLANK_ROWS);
}

/** "4,99" / "4.99" / "4" -> 499; undefined for anything else. */
function cents(raw: string): number | undefined {
  const m = /^(\d{1,6})(?:[.,](\d{1,2}))?$/.exec(raw.trim().replace(/\s|\$/g, ''));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : undefined;
}

/**
 * The form's values as the module's settings, and the problems only the form can have (an amount
 * that is not money); `rowOf` maps a zone's index in the settings to its row on the form.
 */
export function fulfilmentFromForm(body: V): { value: unknown; issues: FieldIssue[]; rowOf: number[] } {
  const issues: FieldIssue[] = [];
  const zones: unknown[] = [];
  const rowOf: number[] = [];
  for (let i = 0; i < MAX_ROWS; i++) {
    const towns = s(body, `zone_${i}_towns`)
      .split(/[,;\n]/)
      .map((x) => x.trim())
      .filter(Boolean);
    const prefixes = s(body, `zone_${i}_prefixes`)
      .split(/[\s,;]+/)
      .filter(Boolean);
    const fee = s(body, `zone_${i}_fee`).trim();
    const min = s(body, `zone_${i}_min`).trim();
    if (!towns.length && !prefixes.length && !fee && !min) continue;
    const feeCents = fee ? cents(fee) : 0;
    const minCents = min ? cents(min) : undefined;
    if (feeCents === undefined) issues.push({ field: `zone_${i}_fee`, message: 'delivery.amount_invalid' });
    if (min && minCents === undefined)
      issues.push({ field: `zone_${i}_min`, message: 'delivery.amount_invalid' });
    zones.push({
      towns,
      postal_prefixes: prefixes,
      fee_cents: feeCents ?? 0,
      ...(minCents ? { min_order_cents: minCents } : {}),
    });
    rowOf.push(i);
  }
  const num = (k: string) => {
    const raw = s(body, k).trim().replace(',', '.');
    if (!raw) return null;
    const n = Number(raw);
    return Number.isFinite(n) ? n : Number.NaN;
  };
  return {
    value: {
      pickup: { enabled: body.pickup === '1', preparation_minutes: num('preparation_minutes') },
      delivery: { enabled: body.delivery_enabled === '1', zones, radius_km: num('radius_km') },
    },
    issues,
    rowOf,
  };
}

/** The module's field paths (delivery.zones.0.postal_prefixes.1) as the form's field names. */
export function zoneIssuesToForm(issues: FieldIssue[], rowOf: number[]): FieldIssue[] {
  return issues.map((i) => {
    const m = /^delivery\.zones\.(\d+)\.(towns|postal_prefixes|fee_cents|min_order_cents)/.exec(i.field);
    if (m) {
      const k = { towns: 'towns', postal_prefixes: 'prefixes', fee_cents: 'fee', min_order_cents: 'min' }[
        m[2] as 'towns'
      ];
      return { ...i, field: `zone_${rowOf[Number(m[1])] ?? 0}_${k}` };
    }
    if (i.field.startsWith('delivery.radius_km')) return { ...i, field: 'radius_km' };
    if (i.field.startsWith('pickup.preparation_minutes')) return { ...i, field: 'preparation_minutes' };
    if (i.field.startsWith('delivery')) return { ...i, field: 'delivery_enabled' };
    return i;
  });
}

/** The editor: pickup, preparation time, delivery on/off, radius, then one row per zone. */
export function ZoneEditor(lang: Lang, v: V, errors?: FieldErrors): VNode {
  const rows = Array.from({ length: rowCount(v) }, (_, i) => i);
  const deliveryErr = errors?.delivery_enabled;
  return html`<fieldset class="delivery-zones-editor">
    <legend>${t(lang, 'delivery.zones_legend')}</legend>
    ${Field({ name: 'preparation_minutes', type: 'number', label: t(lang, 'delivery.preparation'), value: s(v, 'preparation_minutes'), errors, attrs: { min: 0, max: 10080, step: 1 } })}
    <label class="check"><input type="checkbox" name="delivery_enabled" value="1" checked=${v.delivery_enabled === '1' || undefined} aria-invalid=${deliveryErr ? 'true' : undefined} aria-describedby=${deliveryErr ? 'f-delivery_enabled-error' : undefined} /> ${t(lang, 'delivery.enabled')}</label>
    ${deliveryErr ? html`<p class="field-error" id="f-delivery_enabled-error" role="alert">${deliveryErr}</p>` : null}
    ${Field({ name: 'radius_km', type: 'number', label: t(lang, 'delivery.radius'), value: s(v, 'radius_km'), errors, attrs: { min: 0, max: 200, step: '0.5' } })}
    <p class="hint">${t(lang, 'delivery.zones_hint')}</p>
    ${rows.map(
      (i) => html`<div class="zone-row" data-zone-row=${i}>
        ${Field({ name: `zone_${i}_towns`, label: t(lang, 'delivery.zone_towns', { n: i + 1 }), value: s(v, `zone_${i}_towns`), errors })}
        ${Field({ name: `zone_${i}_prefixes`, label: t(lang, 'delivery.zone_prefixes', { n: i + 1 }), value: s(v, `zone_${i}_prefixes`), errors, attrs: { autocapitalize: 'characters' } })}
        ${Field({ name: `zone_${i}_fee`, label: t(lang, 'delivery.zone_fee', { n: i + 1 }), value: s(v, `zone_${i}_fee`), errors, attrs: { inputmode: 'decimal' } })}
        ${Field({ name: `zone_${i}_min`, label: t(lang, 'delivery.zone_min_order', { n: i + 1 }), value: s(v, `zone_${i}_min`), errors, attrs: { inputmode: 'decimal' } })}
      </div>`,
    )}
  </fieldset>`;
}
