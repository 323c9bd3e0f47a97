/**
 * Report periods: presets (this month, last month, last quarter, this year, since launch) and
 * custom dates, as calendar days in the region's time zone (its settings' IANA `timezone`) turned
 * into the UTC instants the orders are stored with. Days are `YYYY-MM-DD`; `to` is the last day
 * included.
 */
import { partsIn, zonedTimeToUtc } from '../common/zoned-time.ts';

/** The period presets offered on the report. */
export const PERIOD_PRESETS = [
  'this_month',
  'last_month',
  'last_quarter',
  'this_year',
  'since_launch',
] as const;
/** One of `PERIOD_PRESETS`. */
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];

/** A report period: local days (`to` included) and the UTC instants it covers (`toUtc` excluded). */
export interface ReportPeriod {
  preset: PeriodPreset | 'custom';
  from: string;
  to: string;
  fromUtc: string;
  toUtc: string;
}

/** The local calendar day (`YYYY-MM-DD`) of an instant in the region's time zone. */
export function localDay(at: Date | string, timeZone: string): string {
  const p = partsIn(new Date(at).getTime(), timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** The local month (`YYYY-MM`) of an instant in the region's time zone. */
export function localMonth(at: Date | string, timeZone: string): string {
  return localDay(at, timeZone).slice(0, 7);
}

/** The UTC instant (ISO 8601) of local midnight starting `day` in the region's time zone. */
export function localMidnightUtc(day: string, timeZone: string): string {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(zonedTimeToUtc(y, mo, d, 0, timeZone)).toISOString();
}

/** `day` moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return ymd(y, mo, d + n);
}

/** The day of a year, month and day of month (month and day may overflow: `ymd(2026, 13, 0)`). */
function ymd(y: number, m: number, d: number) {
  return new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);
}

function periodIn(preset: ReportPeriod['preset'], from: string, to: string, timeZone: string): ReportPeriod {
  return {
    preset,
    from,
    to,
    fromUtc: localMidnightUtc(from, timeZone),
    toUtc: localMidnightUtc(addDays(to, 1), timeZone),
  };
}

/**
 * The days of a preset at `now` in the region's time zone; `since_launch` starts on `launchDay`
 * (the first order's day; today when there is none) and ends today.
 */
export function presetPeriod(
  preset: PeriodPreset,
  now: Date,
  timeZone: string,
  launchDay?: string,
): ReportPeriod {
  const today = localDay(now, timeZone);
  const period = (from: string, to: string) => periodIn(preset, from, to, timeZone);
  const [y, m] = today.split('-').map(Number) as [number, number];
  switch (preset) {
    case 'this_month':
      return period(ymd(y, m, 1), ymd(y, m + 1, 0));
    case 'last_month':
      return period(ymd(y, m - 1, 1), ymd(y, m, 0));
    case 'last_quarter': {
      const q = Math.floor((m - 1) / 3); // current quarter index 0..3
      const start = q * 3 - 2; // first month of the previous quarter (may be ≤ 0: last year)
      return period(ymd(y, start, 1), ymd(y, start + 3, 0));
    }
    case 'this_year':
      return period(ymd(y, 1, 1), ymd(y, 12, 31));
    case 'since_launch': {
      const from = launchDay && launchDay < today ? launchDay : today;
      return period(from, today);
    }
  }
}

/** A custom period from validated days (see `customPeriodSchema`), in the region's time zone. */
export function customPeriod(from: string, to: string, timeZone: string): ReportPeriod {
  return periodIn('custom', from, to, timeZone);
}
