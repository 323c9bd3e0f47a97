/**
 * The impact report's charts as inline SVG (server-rendered, no script, no library): monthly sales
 * as columns on a y axis in "k $", and sales by town or association as horizontal bars, each value
 * written on its bar. Each chart is named by its `<title>`/`<desc>` (role="img"); the page puts a
 * table with the same figures right after it.
 */
import type { Lang } from '../../i18n/index.ts';

// Built once (an Intl formatter costs far more to build than to use): by language, without
// decimals from 100 000 $ up, with one below.
const compactFormat = (locale: string, maximumFractionDigits: number) =>
  new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: 'CAD',
    notation: 'compact',
    maximumFractionDigits,
  });
const compactFormats: Record<Lang, [Intl.NumberFormat, Intl.NumberFormat]> = {
  fr: [compactFormat('fr-CA', 0), compactFormat('fr-CA', 1)],
  en: [compactFormat('en-CA', 0), compactFormat('en-CA', 1)],
};

/** Compact money for axes and bar labels: "12 k $" (fr-CA), "$12K" (en-CA); no-break spaces. */
export function compactMoney(cents: number, lang: Lang): string {
  return compactFormats[lang][cents >= 100_000_00 ? 0 : 1].format(cents / 100).replace(/[\u202f]/g, '\u00a0');
}

/** A round step giving about `count` ticks up to `max`. */
export function niceStep(max: number, count = 4): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * pow;
}

function esc(s: string) {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The chart's `<svg>`, named by its title and description (`kind`: its classes). */
function svg(
  kind: string,
  id: string,
  w: number,
  h: number,
  o: { title: string; desc: string },
  parts: string[],
) {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${kind}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-labelledby="${id}-t ${id}-d" font-family="system-ui, sans-serif"><title id="${id}-t">${esc(o.title)}</title><desc id="${id}-d">${esc(o.desc)}</desc>${parts.join('')}</svg>`;
}

const TEXT = '#1a1a1a';
const MUTED = '#555b63';
const GRID = '#d5d9df';

/** Columns: one per month, the y axis in compact money with grid lines, each value above its column. */
export function columnChartSvg(
  id: string,
  points: { label: string; cents: number }[],
  o: { title: string; desc: string; lang: Lang; color: string },
): string {
  const left = 62;
  const top = 24;
  const colW = Math.round(Math.max(58, Math.min(110, 560 / Math.max(points.length, 1))));
  const plotH = 200;
  const w = left + Math.max(points.length, 3) * colW + 12;
  const h = top + plotH + 40;
  const max = Math.max(0, ...points.map((p) => p.cents));
  const step = niceStep(max || 100_000);
  const yMax = Math.max(step, Math.ceil(max / step) * step);
  const y = (v: number) => top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  for (let v = 0; v <= yMax + 1e-6; v += step) {
    parts.push(
      `<line x1="${left}" x2="${w - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${v === 0 ? MUTED : GRID}" stroke-width="1"/>`,
      `<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="13" fill="${MUTED}">${esc(compactMoney(v, o.lang))}</text>`,
    );
  }
  points.forEach((p, i) => {
    const x = left + i * colW + 8;
    const bw = colW - 16;
    const top2 = y(p.cents);
    parts.push(
      `<rect x="${x}" y="${top2.toFixed(1)}" width="${bw}" height="${(top + plotH - top2).toFixed(1)}" fill="${esc(o.color)}" rx="2"/>`,
      `<text x="${x + bw / 2}" y="${(top2 - 6).toFixed(1)}" text-anchor="middle" font-size="12" font-weight="600" fill="${TEXT}">${esc(compactMoney(p.cents, o.lang))}</text>`,
      `<text x="${x + bw / 2}" y="${top + plotH + 20}" text-anchor="middle" font-size="13" fill="${TEXT}">${esc(p.label)}</text>`,
    );
  });
  return svg('chart-columns chart-wide', id, w, h, o, parts);
}

/** Horizontal bars, largest first: the name on the left, the amount at the end of its bar, an x axis below. */
export function barChartSvg(
  id: string,
  rows: { label: string; cents: number }[],
  o: { title: string; desc: string; lang: Lang; color: string },
): string {
  const labelW = 250;
  const valueW = 80;
  const plotW = 330;
  const rowH = 30;
  const top = 8;
  const w = labelW + plotW + valueW;
  const h = top + Math.max(rows.length, 1) * rowH + 30;
  const max = Math.max(0, ...rows.map((r) => r.cents));
  const step = niceStep(max || 100_000, 3);
  const xMax = Math.max(step, Math.ceil(max / step) * step);
  const x = (v: number) => labelW + (v / xMax) * plotW;
  const parts: string[] = [];
  const axisY = top + rows.length * rowH + 4;
  for (let v = 0; v <= xMax + 1e-6; v += step) {
    parts.push(
      `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${axisY}" stroke="${v === 0 ? MUTED : GRID}" stroke-width="1"/>`,
      `<text x="${x(v).toFixed(1)}" y="${axisY + 18}" text-anchor="middle" font-size="12" fill="${MUTED}">${esc(compactMoney(v, o.lang))}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const cy = top + i * rowH + rowH / 2;
    const label = r.label.length > 32 ? `${r.label.slice(0, 31)}…` : r.label;
    const end = x(r.cents);
    parts.push(
      `<text x="${labelW - 8}" y="${cy + 5}" text-anchor="end" font-size="12" fill="${TEXT}">${esc(label)}</text>`,
      `<rect x="${labelW}" y="${cy - 10}" width="${Math.max(1, end - labelW).toFixed(1)}" height="20" fill="${esc(o.color)}" rx="2"/>`,
      `<text x="${(end + 6).toFixed(1)}" y="${cy + 5}" font-size="12" font-weight="600" fill="${TEXT}">${esc(compactMoney(r.cents, o.lang))}</text>`,
    );
  });
  return svg('chart-bars chart-wide', id, w, h, o, parts);
}

/**
 * The phone form of a chart: one row per value, its name on a line of its own above the bar and
 * the amount at the bar's end, an x axis below. Drawn 340 units wide, it is scaled to the column
 * by its viewBox (a 390 px screen shows it at about 95 %), so nothing scrolls and no text shrinks
 * below about 12 px.
 */
export function narrowBarChartSvg(
  id: string,
  rows: { label: string; cents: number }[],
  o: { title: string; desc: string; lang: Lang; color: string },
): string {
  const w = 340;
  const valueW = 74;
  const plotW = w - valueW - 8;
  const left = 4;
  const rowH = 44;
  const top = 4;
  const h = top + Math.max(rows.length, 1) * rowH + 26;
  const max = Math.max(0, ...rows.map((r) => r.cents));
  const step = niceStep(max || 100_000, 3);
  const xMax = Math.max(step, Math.ceil(max / step) * step);
  const x = (v: number) => left + (v / xMax) * plotW;
  const axisY = top + rows.length * rowH + 2;
  const parts: string[] = [];
  for (let v = 0; v <= xMax + 1e-6; v += step) {
    const anchor = v === 0 ? 'start' : 'middle';
    parts.push(
      `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${axisY}" stroke="${v === 0 ? MUTED : GRID}" stroke-width="1"/>`,
      `<text x="${x(v).toFixed(1)}" y="${axisY + 18}" text-anchor="${anchor}" font-size="13" fill="${MUTED}">${esc(compactMoney(v, o.lang))}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y0 = top + i * rowH;
    const label = r.label.length > 40 ? `${r.label.slice(0, 39)}…` : r.label;
    const end = x(r.cents);
    parts.push(
      `<text x="${left + 4}" y="${y0 + 16}" font-size="14" fill="${TEXT}">${esc(label)}</text>`,
      `<rect x="${left}" y="${y0 + 22}" width="${Math.max(1, end - left).toFixed(1)}" height="16" fill="${esc(o.color)}" rx="2"/>`,
      `<text x="${(end + 6).toFixed(1)}" y="${y0 + 35}" font-size="13" font-weight="600" fill="${TEXT}">${esc(compactMoney(r.cents, o.lang))}</text>`,
    );
  });
  return svg('chart-bars chart-narrow', id, w, h, o, parts);
}
