/** Opening hours per weekday in the region's local time: {"mon": [["09:00","17:00"]], ...}. */
export type WeekDay = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type OpeningHours = Partial<Record<WeekDay, [string, string][]>>;
export const WEEK_DAYS: WeekDay[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

// Building an Intl formatter costs far more than using one: one per time zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
const dayFormatter = (timeZone: string) => {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
};

/** Weekday and HH:MM of an instant in a time zone. */
export function localDayAndTime(at: Date, timeZone: string): { day: WeekDay; time: string } {
  const parts = dayFormatter(timeZone).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as WeekDay;
  return { day, time: `${get('hour')}:${get('minute')}` };
}

/** True when `at` falls inside one of the day's opening intervals. */
export function isOpenAt(hours: OpeningHours, at: Date, timeZone = 'America/Toronto'): boolean {
  const { day, time } = localDayAndTime(at, timeZone);
  return (hours[day] ?? []).some(([open, close]) => time >= open && time < close);
}

/** A store's `hours_json`; an unreadable value reads as no hours rather than breaking its pages. */
export function parseHours(json: string): OpeningHours {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' ? (v as OpeningHours) : {};
  } catch {
    return {};
  }
}

/** An exceptional closure of a store: a local calendar date (`YYYY-MM-DD`) and an optional label. */
export interface Closure {
  date: string;
  label?: string;
}

/** A store's `closures_json` (migration 055) as a date-sorted list; NULL or unreadable = none. */
export function parseClosures(json: string | null | undefined): Closure[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    if (!Array.isArray(v)) return [];
    return v
      .filter(
        (c): c is Closure =>
          !!c && typeof c === 'object' && typeof c.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(c.date),
      )
      .map((c) => (c.label ? { date: c.date, label: String(c.label) } : { date: c.date }))
      .sort((a, b) => a.date.localeCompare(b.date));
  } catch {
    return [];
  }
}
