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

export function parseHours(json: string): OpeningHours {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' ? (v as OpeningHours) : {};
  } catch {
    return {};
  }
}
