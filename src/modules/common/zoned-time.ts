/**
 * Wall-clock time in a named time zone (the region's, e.g. America/Toronto): the local parts of an
 * instant, and the UTC instant of a local date and time. No library: Intl does the zone rules.
 */

// Intl formatters are costly to build: one per time zone, kept.
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** Local year, month (1–12), day, hour, minute and second of an instant (ms) in a time zone. */
export function partsIn(at: number, timeZone: string) {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partsFormatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, min: +p.minute, s: +p.second };
}

/** Offset (ms) of a time zone at an instant: local wall time − UTC. */
function offsetAt(at: number, timeZone: string): number {
  const p = partsIn(at, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(at / 1000) * 1000;
}

/** The UTC instant of a local wall time (a time skipped by a DST change moves forward by the gap). */
export function zonedTimeToUtc(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let at = wall - offsetAt(wall, timeZone);
  // Second pass: the offset may differ at the guessed instant (a DST change between them).
  at = wall - offsetAt(at, timeZone);
  return at;
}
