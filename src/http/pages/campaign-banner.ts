import type { VNode } from 'preact';
import { type Lang, t } from '../../i18n/index.ts';
import { readableOn } from './components/contrast.ts';
import { html } from './html.ts';
import { localPath } from './page-context.ts';

/** What a banner shows of a campaign (`activeCampaigns` rows fit). */
export interface BannerCampaign {
  slug: string;
  title_fr: string;
  title_en: string;
  body_fr: string;
  body_en: string;
  banner_url: string | null;
  ends_at: string;
  association_name?: string | null;
  primary_color?: string | null;
  accent_color?: string | null;
}

// Building an Intl formatter costs far more than using one (it was ~4 % of the home page's CPU):
// one per language and time zone, kept.
const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** "31 décembre 2026" / "December 31, 2026" in the region's time zone. */
export function formatDay(iso: string, lang: Lang, timeZone = 'America/Toronto'): string {
  const key = `${lang} ${timeZone}`;
  let f = dayFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { dateStyle: 'long', timeZone });
    dayFormatters.set(key, f);
  }
  return f.format(new Date(iso));
}

/** Short text of a campaign for a banner: the first paragraph, at most 200 characters. */
export function campaignLead(lang: Lang, c: BannerCampaign): string {
  const body = (lang === 'fr' ? c.body_fr : c.body_en || c.body_fr).split(/\n\s*\n/)[0] ?? '';
  return body.length > 200 ? `${body.slice(0, 197)}…` : body;
}

/** A campaign banner (home page, showcases): title, lead, end date, link to its landing page. */
export function CampaignBanner(lang: Lang, c: BannerCampaign): VNode {
  const title = lang === 'fr' ? c.title_fr : c.title_en || c.title_fr;
  const bg = c.primary_color ?? '#1d4f91';
  const fg = readableOn(bg, c.accent_color ?? '#ffffff');
  return html`<section class="campaign-banner" aria-label=${title}
    style=${`background:${bg};color:${fg};padding:1rem 1.25rem;border-radius:.75rem;margin:1rem 0`}>
    ${c.banner_url ? html`<img src=${c.banner_url} alt="" width="1200" height="300" style="width:100%;height:auto;border-radius:.5rem" />` : null}
    <p style="margin:0;font-size:.875rem">
      ${c.association_name ? c.association_name : t(lang, 'campaign.regional')} · ${t(lang, 'campaign.until', { date: formatDay(c.ends_at, lang) })}
    </p>
    <h2 style="margin:.25rem 0">${title}</h2>
    ${campaignLead(lang, c) ? html`<p>${campaignLead(lang, c)}</p>` : null}
    <a href=${localPath(lang, 'campaigns', `/${c.slug}`)} style=${`color:${fg};font-weight:bold`}>${t(lang, 'campaign.see')}</a>
  </section>`;
}
