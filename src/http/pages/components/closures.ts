/** A store's coming exceptional closures on its public page: "Fermé exceptionnellement le mercredi 24 juin 2026". */
import type { VNode } from 'preact';
import { type Lang, t } from '../../../i18n/index.ts';
import type { Closure } from '../../../modules/common/hours.ts';
import { html } from '../html.ts';

/** Closures shown at most (the next ones). */
const SHOWN = 3;

const dateFormatters = new Map<Lang, Intl.DateTimeFormat>();
/** A calendar date (`YYYY-MM-DD`) in words; read at noon UTC so no time zone moves the day. */
function longDate(date: string, lang: Lang): string {
  let f = dateFormatters.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', {
      timeZone: 'UTC',
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    });
    dateFormatters.set(lang, f);
  }
  return f.format(new Date(`${date}T12:00:00Z`));
}

const todayFormatters = new Map<string, Intl.DateTimeFormat>();
/** Today's local date (`YYYY-MM-DD`) in the region's time zone (one kept formatter per zone). */
function localToday(timeZone: string, now: Date): string {
  let f = todayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    todayFormatters.set(timeZone, f);
  }
  return f.format(now);
}

/** The next closures of a store (today included), or nothing. */
export function UpcomingClosures(
  lang: Lang,
  closures: Closure[],
  timeZone: string,
  now = new Date(),
): VNode | null {
  const today = localToday(timeZone, now);
  const next = closures.filter((c) => c.date >= today).slice(0, SHOWN);
  if (!next.length) return null;
  return html`<ul class="closures" data-closures>
    ${next.map(
      (c) => html`<li>
        <strong>${t(lang, 'hours.closed_on', { date: longDate(c.date, lang) })}</strong>${c.label ? ` (${c.label})` : ''}
      </li>`,
    )}
  </ul>`;
}
