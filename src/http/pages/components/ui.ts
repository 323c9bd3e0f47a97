import type { VNode } from 'preact';
import { formatMoney, type Lang, t } from '../../../i18n/index.ts';
import { type OpeningHours, WEEK_DAYS } from '../../../modules/common/hours.ts';
import { html } from '../html.ts';

/** "En stock (5)" / "Plus que 2" / "Rupture de stock": text always carries the meaning, colour only helps. */
export function StockBadge(lang: Lang, available: number, attrs: Record<string, unknown> = {}): VNode {
  const cls = available <= 0 ? 'stock out' : available <= 3 ? 'stock low' : 'stock in';
  const text =
    available <= 0
      ? t(lang, 'stock.out')
      : available <= 3
        ? t(lang, 'stock.low', { count: available })
        : t(lang, 'stock.in', { count: available });
  return html`<span class=${cls} ...${attrs}>${text}</span>`;
}

export function QuebecBadge(lang: Lang, label: string | null, verified?: number | boolean): VNode | null {
  if (!label) return null;
  return html`<span class="badge-qc" title=${verified ? t(lang, 'label.verified') : t(lang, 'label.declared')}
    ><span aria-hidden="true">⚜ </span>${t(lang, `label.${label}`)}</span
  >`;
}

export const Money = (lang: Lang, cents: number) =>
  html`<span class="money">${formatMoney(cents, lang)}</span>`;

export function HoursTable(lang: Lang, hours: OpeningHours): VNode {
  return html`<table class="hours">
    <tbody>
      ${WEEK_DAYS.map((d) => {
        const slots = hours[d] ?? [];
        return html`<tr>
          <th scope="row">${t(lang, `hours.${d}`)}</th>
          <td>${slots.length ? slots.map(([o, c]) => `${o}–${c}`).join(', ') : t(lang, 'hours.closed')}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

export function Pager(lang: Lang, page: number, pages: number, hrefFor: (p: number) => string): VNode | null {
  if (pages <= 1) return null;
  return html`<nav class="pager" aria-label=${t(lang, 'pager.label')}>
    ${page > 1 ? html`<a rel="prev" href=${hrefFor(page - 1)}>${t(lang, 'pager.prev')}</a>` : null}
    <span>${t(lang, 'merchant.page', { page, pages })}</span>
    ${page < pages ? html`<a rel="next" href=${hrefFor(page + 1)}>${t(lang, 'pager.next')}</a>` : null}
  </nav>`;
}

/** Serialises JSON-LD safely inside a <script> element (no "</script>" breakout). */
export function JsonLd(data: unknown): VNode {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return html`<script type="application/ld+json" dangerouslySetInnerHTML=${{ __html: json }}></script>`;
}
