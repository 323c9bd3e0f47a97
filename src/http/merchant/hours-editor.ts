/**
 * The store form's opening-hours editor: a fixed number of time ranges per weekday and rows of
 * exceptional closures (the saved ones plus empty ones), so it works without JavaScript; each
 * error shows next to its field.
 */
import type { VNode } from 'preact';
import { type Lang, t } from '../../i18n/index.ts';
import {
  CLOSURE_LABEL_MAX,
  closureFields,
  EMPTY_CLOSURE_ROWS,
  HOUR_RANGES_PER_DAY,
  MAX_CLOSURES,
  rangeFields,
} from '../../modules/backoffice/index.ts';
import { type Closure, type OpeningHours, WEEK_DAYS } from '../../modules/common/hours.ts';
import { html } from '../pages/html.ts';
import { Field, type FieldErrors } from './forms.ts';

type V = Record<string, unknown>;
const s = (v: V, k: string) => (v[k] === undefined || v[k] === null ? '' : String(v[k]));

/** The editor's form values of a saved store. */
export function hoursFormValues(l: { hours: OpeningHours; closures: Closure[] }): V {
  const v: V = {};
  for (const d of WEEK_DAYS)
    (l.hours[d] ?? []).slice(0, HOUR_RANGES_PER_DAY).forEach(([open, close], r) => {
      const f = rangeFields(d, r);
      v[f.open] = open;
      v[f.close] = close;
    });
  l.closures.slice(0, MAX_CLOSURES).forEach((c, i) => {
    const f = closureFields(i);
    v[f.date] = c.date;
    v[f.label] = c.label ?? '';
  });
  return v;
}

/** Closure rows to show: every row the values use, then a few empty ones to add closures. */
function closureRowCount(v: V): number {
  let used = 0;
  for (let i = 0; i < MAX_CLOSURES + EMPTY_CLOSURE_ROWS; i++) {
    const f = closureFields(i);
    if (s(v, f.date) || s(v, f.label)) used = i + 1;
  }
  return Math.min(used + EMPTY_CLOSURE_ROWS, MAX_CLOSURES + EMPTY_CLOSURE_ROWS);
}

/** The two fieldsets: opening hours by day, exceptional closures. */
export function HoursEditor(lang: Lang, v: V, errors?: FieldErrors): VNode {
  return html`<fieldset class="hours-editor">
      <legend>${t(lang, 'backoffice.hours')}</legend>
      <p class="hint">${t(lang, 'hours.editor_hint')}</p>
      ${WEEK_DAYS.map(
        (d) => html`<fieldset class="hours-day" data-day=${d}>
          <legend>${t(lang, `hours.${d}`)}</legend>
          ${Array.from({ length: HOUR_RANGES_PER_DAY }, (_, r) => {
            const f = rangeFields(d, r);
            // The day's legend names the day; the label names the range (read together).
            const range = t(lang, 'hours.range', { n: r + 1 });
            return html`<div class="hours-range">
              ${Field({ name: f.open, type: 'time', label: `${range} — ${t(lang, 'hours.opens')}`, value: s(v, f.open), errors })}
              ${Field({ name: f.close, type: 'time', label: `${range} — ${t(lang, 'hours.closes')}`, value: s(v, f.close), errors })}
            </div>`;
          })}
        </fieldset>`,
      )}
    </fieldset>
    <fieldset class="closures-editor">
      <legend>${t(lang, 'hours.closures')}</legend>
      <p class="hint">${t(lang, 'hours.closures_hint')}</p>
      ${Array.from({ length: closureRowCount(v) }, (_, i) => {
        const f = closureFields(i);
        const row = t(lang, 'hours.closure_row', { n: i + 1 });
        return html`<div class="closure-row" data-closure-row=${i}>
          ${Field({ name: f.date, type: 'date', label: `${row} — ${t(lang, 'hours.closure_date')}`, value: s(v, f.date), errors, attrs: { placeholder: lang === 'fr' ? 'AAAA-MM-JJ' : 'YYYY-MM-DD' } })}
          ${Field({ name: f.label, label: `${row} — ${t(lang, 'hours.closure_label')}`, value: s(v, f.label), errors, attrs: { maxlength: CLOSURE_LABEL_MAX } })}
        </div>`;
      })}
    </fieldset>`;
}
