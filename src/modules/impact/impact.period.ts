/**
 * Report periods: presets (this month, last month, last quarter, this year, since launch) and
 * custom dates, as calendar days in the region's time zone (America/Toronto) turned into the UTC
 * instants the orders are stored with. Days are `YYYY-MM-DD`; `to` is the last day included.
 */
/** The region's time zone: a report's days start at local midnight there. */
export const REPORT_TIME_ZONE = 'America/Toronto';

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

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: REPORT_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The local calendar day (`YYYY-MM-DD`) of an instant in the region's time zone. */
export function localDay(at: Date | string): string {
  const p = Object.fromEntries(dayFormat.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** The local month (`YYYY-MM`) of an instant in the region's time zone. */
export function localMonth(at: Date | string): string {
  return localDay(at).slice(0, 7);
}

const offsetFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: REPORT_TIME_ZONE,
  timeZoneName: 'longOffset',
});

function offsetMinutes(at: number): number {
  const name = offsetFormat.formatToParts(new Date(at)).find((x) => x.type === 'timeZoneName')?.value ?? '';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** The UTC instant (ISO 8601) of local midnight starting `day` in the region's time zone. */
export function localMidnightUtc(day: string): string {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, mo - 1, d);
  let at = guess - offsetMinutes(guess) * 60_000;
  at = guess - offsetMinutes(at) * 60_000;
  return new Date(at).toISOString();
}

/** `day` moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

function ymd(y: number, m: number, d: number) {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
}

function period(preset: ReportPeriod['preset'], from: string, to: string): ReportPeriod {
  return { preset, from, to, fromUtc: localMidnightUtc(from), toUtc: localMidnightUtc(addDays(to, 1)) };
}

/**
 * The days of a preset at `now` in the region's time zone; `since_launch` starts on `launchDay`
 * (the first order's day; today when there is none) and ends today.
 */
export function presetPeriod(preset: PeriodPreset, now: Date, launchDay?: string): ReportPeriod {
  const today = localDay(now);
  const [y, m] = today.split('-').map(Number) as [number, number];
  switch (preset) {
    case 'this_month':
      return period(preset, ymd(y, m, 1), ymd(y, m + 1, 0));
    case 'last_month':
      return period(preset, ymd(y, m - 1, 1), ymd(y, m, 0));
    case 'last_quarter': {
      const q = Math.floor((m - 1) / 3); // current quarter index 0..3
      const start = q * 3 - 2; // first month of the previous quarter (may be ≤ 0: last year)
      return period(preset, ymd(y, start, 1), ymd(y, start + 3, 0));
    }
    case 'this_year':
      return period(preset, ymd(y, 1, 1), ymd(y, 12, 31));
    case 'since_launch': {
      const from = launchDay && launchDay < today ? launchDay : today;
      return period(preset, from, today);
    }
  }
}

/** A custom period from validated days (see `customPeriodSchema`). */
export function customPeriod(from: string, to: string): ReportPeriod {
  return period('custom', from, to);
}
