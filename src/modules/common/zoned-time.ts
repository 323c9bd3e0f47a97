/**
 * Wall-clock time in a named time zone (the region's, e.g. America/Toronto): the local parts of an
 * instant, and the UTC instant of a local date and time. No library: Intl does the zone rules.
 */

// Intl formatters are costly to build: one per time zone, kept.
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

const partsFormatter = (timeZone: string) => {
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
  return f;
};

/** Local year, month (1–12), day, hour, minute and second of an instant (ms) in a time zone. */
export function partsIn(at: number, timeZone: string) {
  const out = { y: 0, m: 0, d: 0, h: 0, min: 0, s: 0 };
  // A plain loop: Object.fromEntries over the parts allocated two arrays per call.
  for (const x of partsFormatter(timeZone).formatToParts(at)) {
    if (x.type === 'year') out.y = +x.value;
    else if (x.type === 'month') out.m = +x.value;
    else if (x.type === 'day') out.d = +x.value;
    else if (x.type === 'hour') out.h = +x.value;
    else if (x.type === 'minute') out.min = +x.value;
    else if (x.type === 'second') out.s = +x.value;
  }
  return out;
}

/** Offset (ms) of a time zone at an instant: local wall time − UTC. */
function offsetAt(at: number, timeZone: string): number {
  const p = partsIn(at, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(at / 1000) * 1000;
}

/** The straightforward conversion (two Intl calls); {@link zonedTimeToUtc} memoises it. */
export function zonedTimeToUtcUncached(
  y: number,
  m: number,
  d: number,
  minutes: number,
  timeZone: string,
): number {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let at = wall - offsetAt(wall, timeZone);
  // Second pass: the offset may differ at the guessed instant (a DST change between them).
  at = wall - offsetAt(at, timeZone);
  return at;
}

// Pickup slots convert the same few hundred local times (every slot start of the coming days) on
// every cart view and checkout, two formatToParts each (~1.3 ms per store): the result depends only
// on the zone and the wall time, so it is memoised. Bounded: a map past the cap is dropped whole.
const MEMO_CAP = 50_000;
const memo = new Map<string, Map<number, number>>();

/**
 * The UTC instant of a local wall time. A time skipped by a DST change is read with the new offset,
 * i.e. it lands one gap earlier (02:30 on a spring-forward day in Toronto = 01:30 EST); a repeated
 * time is its first occurrence.
 */
export function zonedTimeToUtc(y: number, m: number, d: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let byWall = memo.get(timeZone);
  if (!byWall) {
    byWall = new Map();
    memo.set(timeZone, byWall);
  }
  const hit = byWall.get(wall);
  if (hit !== undefined) return hit;
  // NaN wall (invalid date) is computed, never stored: Map keys NaN as one value, harmless but useless.
  const at = zonedTimeToUtcUncached(y, m, d, minutes, timeZone);
  if (Number.isFinite(wall)) {
    if (byWall.size >= MEMO_CAP) byWall.clear();
    byWall.set(wall, at);
  }
  return at;
}
