/**
 * The opening-hours editor of the store form: a fixed number of time ranges per weekday
 * (`open_mon`/`close_mon`, `open2_mon`/`close2_mon`, `open3_mon`/`close3_mon`) and rows of
 * exceptional closures (`closure_date_0`/`closure_label_0`, ...), so the form works without
 * JavaScript. Errors name the field to show them next to it.
 */
import { z } from 'zod';
import type { Closure, OpeningHours, WeekDay } from '../common/hours.ts';
import { WEEK_DAYS } from '../common/hours.ts';

/** Time ranges a store can give per weekday (e.g. 09:00–12:00, 13:00–17:00, 18:00–21:00). */
export const HOUR_RANGES_PER_DAY = 3;
/** Most exceptional closures kept per store. */
export const MAX_CLOSURES = 60;
/** Empty closure rows the form adds after the saved ones. */
export const EMPTY_CLOSURE_ROWS = 2;
/** Longest closure label. */
export const CLOSURE_LABEL_MAX = 80;

/** Field names of range `r` (0-based) of a weekday: `open_mon`, `open2_mon`, ... */
export const rangeFields = (day: WeekDay, r: number) => {
  const n = r === 0 ? '' : String(r + 1);
  return { open: `open${n}_${day}`, close: `close${n}_${day}` };
};
/** Field names of closure row `i`. */
export const closureFields = (i: number) => ({ date: `closure_date_${i}`, label: `closure_label_${i}` });

const field = z.string().max(200).optional();

/** The editor's fields as the HTTP body schema spreads them (all optional text). */
export const hoursFormFields: Record<string, typeof field> = Object.fromEntries([
  ...WEEK_DAYS.flatMap((d) =>
    Array.from({ length: HOUR_RANGES_PER_DAY }, (_, r) => {
      const f = rangeFields(d, r);
      return [
        [f.open, field],
        [f.close, field],
      ];
    }).flat(),
  ),
  ...Array.from({ length: MAX_CLOSURES + EMPTY_CLOSURE_ROWS }, (_, i) => {
    const f = closureFields(i);
    return [
      [f.date, field],
      [f.label, field],
    ];
  }).flat(),
]);

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

export interface HoursFormValue {
  hours: OpeningHours;
  /** Undefined when the form had no closure rows (an older form): the stored closures stay. */
  closures: Closure[] | undefined;
}

type FormValues = Record<string, string | undefined>;
const str = (raw: FormValues, k: string) => (raw[k] ?? '').trim();

/**
 * The editor's form: ranges per day (both times or neither, opening before closing, no overlap
 * between a day's ranges; kept in time order) and closures (a real date, no date twice, a short
 * label). Issues carry the field to mark and a message key of bundle 88-hours.
 */
export const hoursForm = z.object(hoursFormFields).transform((raw: FormValues, c): HoursFormValue => {
  const issue = (path: string, message: string) => c.addIssue({ code: 'custom', path: [path], message });
  const hours: OpeningHours = {};
  for (const d of WEEK_DAYS) {
    const ranges: { open: string; close: string; field: string }[] = [];
    for (let r = 0; r < HOUR_RANGES_PER_DAY; r++) {
      const f = rangeFields(d, r);
      const open = str(raw, f.open);
      const close = str(raw, f.close);
      if (!open && !close) continue;
      if (!open || !close) {
        issue(open ? f.close : f.open, 'hours.range_incomplete');
        continue;
      }
      if (!TIME.test(open) || !TIME.test(close)) {
        issue(TIME.test(open) ? f.close : f.open, 'hours.time_invalid');
        continue;
      }
      // Marked on the opening field: the row's first input, where the eye starts.
      if (close <= open) {
        issue(f.open, 'hours.end_before_start');
        continue;
      }
      ranges.push({ open, close, field: f.open });
    }
    ranges.sort((a, b) => a.open.localeCompare(b.open));
    for (let i = 1; i < ranges.length; i++) {
      const prev = ranges[i - 1];
      const cur = ranges[i];
      if (prev && cur && cur.open < prev.close) issue(cur.field, 'hours.overlap');
    }
    if (ranges.length) hours[d] = ranges.map((r) => [r.open, r.close]);
  }

  const hasClosureRows = Object.entries(raw).some(
    ([k, v]) => v !== undefined && k.startsWith('closure_date_'),
  );
  let closures: Closure[] | undefined;
  if (hasClosureRows) {
    closures = [];
    const seen = new Set<string>();
    for (let i = 0; i < MAX_CLOSURES + EMPTY_CLOSURE_ROWS; i++) {
      const f = closureFields(i);
      const date = str(raw, f.date);
      const label = str(raw, f.label);
      if (!date && !label) continue;
      if (!date) issue(f.date, 'hours.closure_date_required');
      else if (!isCalendarDate(date)) issue(f.date, 'hours.closure_date_invalid');
      else if (seen.has(date)) issue(f.date, 'hours.closure_duplicate');
      else if (label.length > CLOSURE_LABEL_MAX) issue(f.label, 'hours.closure_label_too_long');
      else {
        seen.add(date);
        closures.push(label ? { date, label } : { date });
      }
    }
    if (closures.length > MAX_CLOSURES) issue('closure_date_0', 'hours.too_many_closures');
    closures.sort((a, b) => a.date.localeCompare(b.date));
  }
  return { hours, closures };
});
export type HoursForm = z.output<typeof hoursForm>;
