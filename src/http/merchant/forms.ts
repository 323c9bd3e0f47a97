import type { VNode } from 'preact';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import type { FieldIssue } from '../../lib/errors.ts';
import { html } from '../pages/html.ts';

/** Field errors keyed by field name, already translated. */
export type FieldErrors = Record<string, string>;

export function issuesToErrors(lang: Lang, issues: FieldIssue[]): FieldErrors {
  const out: FieldErrors = {};
  for (const i of issues) {
    const key = i.field.split('.')[0] || '_';
    out[key] ??= t(lang, i.message, i.params);
  }
  return out;
}

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  value?: string | number | null;
  errors?: FieldErrors;
  required?: boolean;
  autocomplete?: string;
  hint?: string;
  id?: string;
  attrs?: Record<string, unknown>;
}

/** A labelled input; its error (if any) is announced next to it (aria-invalid + aria-describedby). */
export function Field(p: FieldProps): VNode {
  const id = p.id ?? `f-${p.name}`;
  const err = p.errors?.[p.name];
  const describedBy = [p.hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class=${err ? 'field has-error' : 'field'}>
    <label for=${id}>${p.label}${p.required ? html`<span aria-hidden="true"> *</span>` : null}</label>
    ${p.hint ? html`<p class="hint" id=${`${id}-hint`}>${p.hint}</p>` : null}
    <input
      id=${id}
      name=${p.name}
      type=${p.type ?? 'text'}
      value=${p.value ?? ''}
      required=${p.required || undefined}
      autocomplete=${p.autocomplete}
      aria-invalid=${err ? 'true' : undefined}
      aria-describedby=${describedBy || undefined}
      ...${p.attrs ?? {}}
    />
    ${err ? html`<p class="field-error" id=${`${id}-error`} role="alert">${err}</p>` : null}
  </div>`;
}

export function TextArea(p: FieldProps & { rows?: number }): VNode {
  const id = p.id ?? `f-${p.name}`;
  const err = p.errors?.[p.name];
  return html`<div class=${err ? 'field has-error' : 'field'}>
    <label for=${id}>${p.label}</label>
    <textarea
      id=${id}
      name=${p.name}
      rows=${p.rows ?? 4}
      aria-invalid=${err ? 'true' : undefined}
      aria-describedby=${err ? `${id}-error` : undefined}
    >${p.value ?? ''}</textarea>
    ${err ? html`<p class="field-error" id=${`${id}-error`} role="alert">${err}</p>` : null}
  </div>`;
}

export function Select(
  p: FieldProps & {
    options: { value: string | number; label: string }[];
    multiple?: boolean;
    selected?: (string | number)[];
  },
): VNode {
  const id = p.id ?? `f-${p.name}`;
  const err = p.errors?.[p.name];
  const selected = (p.selected ?? [p.value ?? '']).map(String);
  return html`<div class=${err ? 'field has-error' : 'field'}>
    <label for=${id}>${p.label}${p.required ? html`<span aria-hidden="true"> *</span>` : null}</label>
    ${p.hint ? html`<p class="hint" id=${`${id}-hint`}>${p.hint}</p>` : null}
    <select
      id=${id}
      name=${p.name}
      multiple=${p.multiple || undefined}
      required=${p.required || undefined}
      aria-invalid=${err ? 'true' : undefined}
      aria-describedby=${[p.hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
    >
      ${p.options.map((o) => html`<option value=${o.value} selected=${selected.includes(String(o.value)) || undefined}>${o.label}</option>`)}
    </select>
    ${err ? html`<p class="field-error" id=${`${id}-error`} role="alert">${err}</p>` : null}
  </div>`;
}

/** A group of checkboxes inside a fieldset with a legend. */
export function Checkboxes(p: {
  name: string;
  legend: string;
  options: { value: string | number; label: string }[];
  checked: (string | number)[];
  errors?: FieldErrors;
}): VNode {
  const err = p.errors?.[p.name];
  const checked = p.checked.map(String);
  return html`<fieldset
    class=${err ? 'field has-error' : 'field'}
    aria-describedby=${err ? `f-${p.name}-error` : undefined}
  >
    <legend>${p.legend}</legend>
    ${p.options.map(
      (o) => html`<label class="check"
        ><input type="checkbox" name=${p.name} value=${o.value} checked=${checked.includes(String(o.value)) || undefined} />
        ${o.label}</label
      >`,
    )}
    ${err ? html`<p class="field-error" id=${`f-${p.name}-error`} role="alert">${err}</p>` : null}
  </fieldset>`;
}

export const Csrf = (token: string) => html`<input type="hidden" name="_csrf" value=${token} />`;

/** Summary at the top of a form that failed, linking each problem to its field. */
export function ErrorSummary(lang: Lang, errors: FieldErrors | undefined): VNode | null {
  if (!errors || !Object.keys(errors).length) return null;
  return html`<div class="error-summary" role="alert" tabindex="-1">
    <p>${t(lang, 'form.fix_errors')}</p>
    <ul>
      ${Object.entries(errors).map(([k, v]) => html`<li><a href=${`#f-${k}`}>${v}</a></li>`)}
    </ul>
  </div>`;
}

export const Notice = (text: string | undefined, kind: 'ok' | 'error' = 'ok') =>
  text ? html`<p class=${`notice ${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${text}</p>` : null;

/** Form values as strings arrays (urlencoded repeats keys for checkboxes). */
export function asArray(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Only same-site paths are accepted as a "next" target (one rule, kept in ../auth.ts). */
export { safeNext } from '../auth.ts';

/** A map that fills the lat/lng fields on click (progressive: the fields work alone). */
export function PinMap(opts: {
  label: string;
  tiles: string;
  attribution: string;
  center: { lat: number; lng: number };
}) {
  return html`<div
    class="map pin-map"
    role="region"
    aria-label=${opts.label}
    data-pin-map
    data-lat="f-lat"
    data-lng="f-lng"
    data-tiles=${opts.tiles}
    data-attribution=${opts.attribution}
    data-center-lat=${opts.center.lat}
    data-center-lng=${opts.center.lng}
  ></div>`;
}

/** Leaflet and the back-office script, for pages with a PinMap. */
export const pinMapAssets = {
  scripts: ['/vendor/leaflet.js', '/static/js/backoffice.js?v=1'],
  styles: ['/vendor/leaflet.css'],
};
