import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import type { Region } from '../../modules/region/index.ts';

/** Everything the layout needs besides the page body. */
export interface PageContext {
  lang: Lang;
  /** Path of the same page in the other language (for the FR | EN switch). */
  altPath: string;
  /** Path of this page (hreflang and canonical links need absolute URLs: origin + path). */
  path: string;
  /** Public origin, e.g. https://achat.example.ca (PUBLIC_URL; http://localhost:PORT outside production; never the Host header). */
  origin: string;
  region: Region;
  title: string;
  description?: string;
  /** Extra head content: JSON-LD, canonical links. */
  head?: unknown;
  /** Current search values echoed in the header form. */
  query?: { q?: string; near?: string };
  cartCount?: number;
  /** Scripts needed by this page (paths under /static or /vendor). */
  scripts?: string[];
  styles?: string[];
  tileUrl: string;
  tileAttribution: string;
  /** Nonce for inline scripts allowed by the CSP. */
  nonce?: string;
}

export const tr = (ctx: { lang: Lang }, key: string, params?: Record<string, string | number>) =>
  t(ctx.lang, key, params);

/** Localised path segments: French slugs on /fr, English on /en. */
const SEGMENTS: Record<string, { fr: string; en: string }> = {
  search: { fr: 'recherche', en: 'search' },
  merchants: { fr: 'commerces', en: 'merchants' },
  cart: { fr: 'panier', en: 'cart' },
  checkout: { fr: 'paiement', en: 'checkout' },
  account: { fr: 'compte', en: 'account' },
  orders: { fr: 'commandes', en: 'orders' },
  giftcards: { fr: 'cartes-cadeaux', en: 'gift-cards' },
  campaigns: { fr: 'campagnes', en: 'campaigns' },
  signup: { fr: 'inscription', en: 'signup' },
  login: { fr: 'connexion', en: 'login' },
  map: { fr: 'carte', en: 'map' },
  merchant: { fr: 'marchand', en: 'merchant' },
  admin: { fr: 'admin', en: 'admin' },
  terms: { fr: 'conditions', en: 'terms' },
  privacy: { fr: 'confidentialite', en: 'privacy' },
};

/** `/fr/recherche` for ('fr', 'search'). */
export function localPath(lang: Lang, key: keyof typeof SEGMENTS | string, rest = ''): string {
  const seg = SEGMENTS[key]?.[lang] ?? key;
  return `/${lang}/${seg}${rest}`;
}

/** Same page in the other language: swaps the language prefix and translates the first segment. */
export function alternatePath(url: string, to: Lang): string {
  const [path, qs] = url.split('?');
  const parts = path.split('/');
  if (parts[1] === 'fr' || parts[1] === 'en') {
    const from = parts[1] as Lang;
    parts[1] = to;
    const seg = parts[2];
    const entry = Object.values(SEGMENTS).find((s) => s[from] === seg);
    if (entry) parts[2] = entry[to];
  }
  return parts.join('/') + (qs ? `?${qs}` : '');
}

/**
 * Sends a rendered page. Public pages may be kept and revalidated (`no-cache`); a page that set its
 * own policy first (order tracking, cart, checkout, gift-card pages: `no-store`) keeps it.
 */
export function sendHtml(reply: FastifyReply, body: string, status = 200) {
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export function requestLang(req: FastifyRequest): Lang {
  const seg = req.url.split('/')[1];
  return seg === 'en' ? 'en' : 'fr';
}
