import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { pendingInvitationCount } from '../../modules/associations/index.ts';
import { getMerchant } from '../../modules/merchants/index.ts';
import type { MerchantAccess } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { LogoutForm } from '../pages/auth.routes.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';

/** Back-office sections and their URL segment in each language. */
export const SECTIONS = {
  dashboard: { fr: '', en: '' },
  profile: { fr: '/profil', en: '/profile' },
  locations: { fr: '/magasins', en: '/locations' },
  products: { fr: '/produits', en: '/products' },
  orders: { fr: '/commandes', en: '/orders' },
  stock: { fr: '/inventaire', en: '/inventory' },
  import: { fr: '/importation', en: '/import' },
  staff: { fr: '/equipe', en: '/staff' },
  keys: { fr: '/cles-api', en: '/api-keys' },
  webhooks: { fr: '/webhooks', en: '/webhooks' },
  invitation: { fr: '/invitation', en: '/invitation' },
  memberships: { fr: '/associations', en: '/associations' },
  shop: { fr: '/ma-boutique', en: '/my-shop' },
  payments: { fr: '/paiements', en: '/payments' },
} as const;
export type Section = keyof typeof SECTIONS;

const root = (lang: Lang) => (lang === 'fr' ? '/fr/marchand' : '/en/merchant');

/** `/fr/marchand/produits/12` for ('fr', 'products', '/12'). */
export const bo = (lang: Lang, section: Section, rest = '') =>
  `${root(lang)}${SECTIONS[section][lang]}${rest}`;

const OWNER_ONLY: Section[] = [
  'profile',
  'locations',
  'staff',
  'keys',
  'webhooks',
  'memberships',
  'shop',
  'payments',
];
const NAV: Section[] = [
  'dashboard',
  'orders',
  'products',
  'stock',
  'import',
  'profile',
  'locations',
  'staff',
  'keys',
  'webhooks',
  'shop',
  'payments',
  'memberships',
];

export interface BoPage {
  section: Section;
  /** Path after the section's segment (kept when switching language). */
  rest?: string;
  title: string;
  body: VNode | (VNode | null)[];
  status?: number;
  /** Load Leaflet (a PinMap is on the page). */
  map?: boolean;
  /** Further scripts of the page (e.g. the live orders island), after backoffice.js. */
  scripts?: string[];
}

/** Renders a back-office page: the site frame, the section menu, the merchant's status. */
export async function renderBo(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  lang: Lang,
  access: MerchantAccess,
  page: BoPage,
  csrfToken?: string,
) {
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  const qs = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const pc = await pageContext(req, reply, ctx, lang, {
    title: page.title,
    altPath: bo(other, page.section, page.rest ?? '') + qs,
    scripts: [
      ...(page.map ? ['/vendor/leaflet.js'] : []),
      '/static/js/backoffice.js?v=1',
      ...(page.scripts ?? []),
    ],
    styles: page.map ? ['/vendor/leaflet.css'] : [],
  });
  const merchant = await getMerchant(ctx.database.db, access.merchantId);
  const token = csrfToken ?? reply.generateCsrf();
  // Association invitations wait for the owner's answer: say so on every page until answered.
  const invitations =
    access.role === 'merchant_owner' && page.section !== 'memberships'
      ? await pendingInvitationCount(ctx.database.db, access.merchantId)
      : 0;
  const nav = NAV.filter((s) => access.role === 'merchant_owner' || !OWNER_ONLY.includes(s));
  const body = html`<div class="backoffice">
    <nav class="bo-nav" aria-label=${t(lang, 'backoffice.menu')}>
      <p class="bo-merchant"><strong>${merchant.display_name}</strong></p>
      <ul>
        ${nav.map(
          (s) => html`<li>
            <a href=${bo(lang, s)} aria-current=${s === page.section ? 'page' : undefined}>${t(lang, `backoffice.nav_${s}`)}</a>
          </li>`,
        )}
      </ul>
      ${LogoutForm(lang, token)}
    </nav>
    <div class="bo-main">
      ${
        merchant.status !== 'approved'
          ? html`<p class="notice warn" role="status">${t(lang, `backoffice.status_${merchant.status}`)}</p>`
          : null
      }
      ${
        invitations
          ? html`<p class="notice" role="status"><a href=${bo(lang, 'memberships')}>${t(lang, 'membership.bo_notice', { count: invitations })}</a></p>`
          : null
      }
      ${page.body}
    </div>
  </div>`;
  return sendHtml(
    reply.header('cache-control', 'no-store'),
    renderDocument(Layout(pc, body)),
    page.status ?? 200,
  );
}
