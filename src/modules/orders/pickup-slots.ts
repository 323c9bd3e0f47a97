/**
 * Pickup slots: windows of `slot_minutes` cut from a store's opening ranges (several ranges per
 * day allowed, e.g. 09:00–12:00 and 13:00–17:00), in the region's time zone, for the next
 * `days_ahead` days, starting no earlier than now + the store's preparation time. A slot is
 * identified by its start instant, sent and stored as UTC ISO 8601 (`2026-12-04T14:30:00.000Z`).
 * Slots are aligned on the opening time of their range: 09:00, 09:30, ... for 30-minute slots.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Lang } from '../../i18n/index.ts';
import { type OpeningHours, parseClosures, parseHours, WEEK_DAYS, type WeekDay } from '../common/hours.ts';
import { partsIn, zonedTimeToUtc } from '../common/zoned-time.ts';
import { findLocationsByIds } from '../merchants/index.ts';
import { getRegion } from '../region/index.ts';
import { findPickupsBetween } from './orders.repository.ts';
import './orders.tables.ts';

export interface SlotSettings {
  hours: OpeningHours;
  /** Minutes between the order and the earliest slot start. */
  preparation_minutes: number;
  slot_minutes: number;
  days_ahead: number;
  /** Local dates (`YYYY-MM-DD`) the store is exceptionally closed: no slot on them. */
  closed_dates?: readonly string[];
}

const toMinutes = (hhmm: string) => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
};

/** The slot starts (UTC ISO 8601) open for ordering at `now`, in time order. */
export function pickupSlots(s: SlotSettings, timeZone: string, now = new Date()): string[] {
  const earliest = now.getTime() + Math.max(0, s.preparation_minutes) * 60_000;
  return openFrom(slotTimes(s, timeZone, localDate(now.getTime(), timeZone)), earliest);
}

/**
 * Every slot start (ms, ascending, distinct) of the `days_ahead` local days from `today`, before
 * the preparation time is applied: it depends on the settings and the local date only.
 */
function slotTimes(s: SlotSettings, timeZone: string, today: LocalDate): number[] {
  const step = s.slot_minutes;
  if (!(step > 0)) return [];
  const out: number[] = [];
  const closed = new Set(s.closed_dates ?? []);
  // The preparation time can push the first slot past the offered days: count days from today.
  for (let offset = 0; offset < s.days_ahead; offset++) {
    const date = new Date(Date.UTC(today.y, today.m - 1, today.d + offset));
    const day = WEEK_DAYS[(date.getUTCDay() + 6) % 7] as WeekDay;
    if (closed.has(date.toISOString().slice(0, 10))) continue;
    for (const [open, close] of s.hours[day] ?? []) {
      const from = toMinutes(open);
      const to = close === '00:00' ? 24 * 60 : toMinutes(close);
      if (!Number.isFinite(from) || !Number.isFinite(to)) continue;
      for (let t = from; t + step <= to; t += step) {
        out.push(
          zonedTimeToUtc(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), t, timeZone),
        );
      }
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Index of the first of `times` (ascending) at or after `earliest`. */
function firstFrom(times: readonly number[], earliest: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < earliest) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The starts of `times` (ascending) at or after `earliest`, as ISO strings. */
function openFrom(times: readonly number[], earliest: number): string[] {
  return times.slice(firstFrom(times, earliest)).map(isoOf);
}

interface LocalDate {
  y: number;
  m: number;
  d: number;
}

// The local date of the last instant asked, per zone, for the minute it falls in (every zone's
// offset is a whole number of minutes, so a local day never changes inside a UTC minute).
const lastDate = new Map<string, { minute: number; date: LocalDate }>();
function localDate(at: number, timeZone: string): LocalDate {
  const minute = Math.floor(at / 60_000);
  const last = lastDate.get(timeZone);
  if (last?.minute === minute) return last.date;
  const p = partsIn(at, timeZone);
  const date = { y: p.y, m: p.m, d: p.d };
  lastDate.set(timeZone, { minute, date });
  return date;
}

/** The columns of a store row its pickup slots are cut from. */
export interface SlotColumns {
  hours_json: string;
  pickup_slot_minutes: number;
  pickup_days_ahead: number;
  preparation_minutes?: number | null;
  closures_json?: string | null;
}

// Every cart view and checkout cuts the same stores' slots again (≈ a third of a cart page's CPU):
// the slot starts are kept per zone, settings and local date. The key holds the settings' own text
// (hours, closures, slot length, days), so a store's change is seen at the next call; the
// preparation time and `now` filter at every call, so a slot that has started is never offered.
// Bounded by the slots and key text it holds (≈ 60 bytes a slot: ≈ 12 MB; 7 days of 30-minute
// slots are ≈ 150, 30 days of 5-minute ones 8,640): past the cap the map is dropped whole.
const SLOT_MEMO_CAP = 200_000;
const slotMemo = new Map<string, { date: LocalDate; times: number[]; isos: string[]; weight: number }>();
let slotMemoSize = 0;

/**
 * The slot starts open for ordering at `now` at a store (its row's slot columns), as
 * {@link pickupSlots} of {@link slotSettingsOf} answers, the day's cut kept between calls.
 */
export function storePickupSlots(l: SlotColumns, timeZone: string, now = new Date()): string[] {
  const at = now.getTime();
  const date = localDate(at, timeZone);
  const key = `${timeZone}\u0000${l.pickup_slot_minutes}\u0000${l.pickup_days_ahead}\u0000${l.hours_json}\u0000${l.closures_json ?? ''}`;
  let hit = slotMemo.get(key);
  if (!hit || hit.date.y !== date.y || hit.date.m !== date.m || hit.date.d !== date.d) {
    const times = slotTimes(slotSettingsOf(l), timeZone, date);
    // An entry's weight: its slots, and its key (long hours texts) counted as slots of 60 bytes.
    const weight = times.length + Math.ceil(key.length / 60);
    if (hit) slotMemoSize -= hit.weight;
    if (slotMemoSize + weight > SLOT_MEMO_CAP) {
      slotMemo.clear();
      slotMemoSize = 0;
    }
    hit = { date, times, isos: times.map(isoOf), weight };
    slotMemo.set(key, hit);
    slotMemoSize += weight;
  }
  const preparation = Number(l.preparation_minutes ?? 0) || 0;
  return hit.isos.slice(firstFrom(hit.times, at + Math.max(0, preparation) * 60_000));
}

// The same slot instants are serialised on every cart view and checkout: strings kept, bounded.
const isoMemo = new Map<number, string>();
function isoOf(t: number): string {
  let iso = isoMemo.get(t);
  if (iso === undefined) {
    iso = new Date(t).toISOString();
    if (isoMemo.size >= 50_000) isoMemo.clear();
    isoMemo.set(t, iso);
  }
  return iso;
}

/** The slot the customer sent, normalised to the form stored, if it is one of `slots`; else undefined. */
export function matchSlot(slots: readonly string[], given: string): string | undefined {
  const t = Date.parse(given);
  if (!Number.isFinite(t)) return undefined;
  return slots.find((s) => Date.parse(s) === t);
}

/** A location row's slot settings (preparation_minutes: migration 039; closures: 055; NULL = none). */
export function slotSettingsOf(l: SlotColumns): SlotSettings {
  return {
    hours: parseHours(l.hours_json),
    closed_dates: parseClosures(l.closures_json).map((c) => c.date),
    preparation_minutes: Number(l.preparation_minutes ?? 0) || 0,
    slot_minutes: l.pickup_slot_minutes,
    days_ahead: l.pickup_days_ahead,
  };
}

/** The region's time zone (slots are cut in it). */
export async function regionTimeZone(db: Kysely<DB>): Promise<string> {
  return (await getRegion(db)).timezone;
}

/** Slots per pickup location of the given ids, at `now`. */
export async function slotsForLocations(
  db: Kysely<DB>,
  locationIds: number[],
  now = new Date(),
): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (!locationIds.length) return out;
  const [tz, rows] = await Promise.all([regionTimeZone(db), findLocationsByIds(db, locationIds)]);
  for (const l of rows) out.set(l.id, storePickupSlots(l, tz, now));
  return out;
}

const slotFormatters = new Map<string, Intl.DateTimeFormat>();
// The cart page and the checkout form format the same coming slots on every view (Intl, ≈ 10 µs
// each): the text depends only on its arguments, so it is kept. Bounded: dropped whole past the cap.
const slotTexts = new Map<string, string>();
/** A slot as the customer and the merchant read it, in local time: "vendredi 4 décembre 2026, 14 h 30". */
export function formatSlot(iso: string, lang: Lang, timeZone: string, slotMinutes?: number): string {
  const memoKey = `${lang}|${timeZone}|${slotMinutes ?? ''}|${iso}`;
  let text = slotTexts.get(memoKey);
  if (text === undefined) {
    text = formatSlotUncached(iso, lang, timeZone, slotMinutes);
    if (slotTexts.size >= 20_000) slotTexts.clear();
    slotTexts.set(memoKey, text);
  }
  return text;
}

function formatSlotUncached(iso: string, lang: Lang, timeZone: string, slotMinutes?: number): string {
  const key = `${lang}|${timeZone}`;
  let f = slotFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      hour: 'numeric',
      minute: '2-digit',
    });
    slotFormatters.set(key, f);
  }
  const start = f.format(new Date(iso));
  if (!slotMinutes) return start;
  return `${start} – ${formatTime(new Date(Date.parse(iso) + slotMinutes * 60_000).toISOString(), lang, timeZone)}`;
}

const timeFormatters = new Map<string, Intl.DateTimeFormat>();
/** Local time of day of an instant: "14 h 30" (fr-CA) / "2:30 p.m." (en-CA). */
export function formatTime(iso: string, lang: Lang, timeZone: string): string {
  // Building the formatter cost more than formatting (once per slot of the merchant's day): kept.
  const key = `${lang}|${timeZone}`;
  let f = timeFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', {
      timeZone,
      hour: 'numeric',
      minute: '2-digit',
    });
    timeFormatters.set(key, f);
  }
  return f.format(new Date(iso));
}

/** Today's bounds [start, end) in UTC for the region's local calendar day containing `now`. */
export function localDayBounds(timeZone: string, now = new Date()): { from: string; to: string } {
  const p = partsIn(now.getTime(), timeZone);
  const from = zonedTimeToUtc(p.y, p.m, p.d, 0, timeZone);
  const next = new Date(Date.UTC(p.y, p.m - 1, p.d + 1));
  const to = zonedTimeToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, timeZone);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/**
 * A merchant's pickups of the region's current local day, by slot (orders still to hand over:
 * placed, accepted, ready), for the back-office "today's pickups" section.
 */
export async function todaysPickups(db: Kysely<DB>, merchantId: number, now = new Date()) {
  const tz = await regionTimeZone(db);
  const { from, to } = localDayBounds(tz, now);
  const found = await findPickupsBetween(db, merchantId, from, to);
  const stores = new Map(
    (
      await findLocationsByIds(
        db,
        found.map((r) => r.location_id),
      )
    ).map((l) => [l.id, l]),
  );
  const rows = found.map(({ location_id, ...r }) => ({
    ...r,
    location_name: stores.get(location_id)?.name ?? '',
    pickup_slot_minutes: stores.get(location_id)?.pickup_slot_minutes ?? 0,
  }));
  const slots = new Map<string, typeof rows>();
  for (const r of rows) {
    // PostgreSQL returns timestamptz in its own form: one key per instant.
    const key = new Date(r.pickup_slot_at as string).toISOString();
    slots.set(key, [...(slots.get(key) ?? []), r]);
  }
  return { timeZone: tz, slots: [...slots.entries()].map(([slot, orders]) => ({ slot, orders })) };
}
