import type { FastifyReply, FastifyRequest } from 'fastify';
import { publicBaseUrl } from '../../config.ts';
import type { Lang } from '../../i18n/index.ts';
import { clearRegionCache, getRegion, type Region } from '../../modules/region/index.ts';
import type { AppContext } from '../context.ts';
import { alternatePath, type PageContext } from './page-context.ts';

/** The region settings, from the region module's cache (its own updates clear it at once). */
export function cachedRegion(ctx: AppContext): Promise<Region> {
  return getRegion(ctx.database.db);
}

export function invalidateRegionCache(ctx: AppContext): void {
  clearRegionCache(ctx.database.db);
}

/** Remembers the visitor's language choice (URL-visible, and in a cookie for `/`). */
export function rememberLang(req: FastifyRequest, reply: FastifyReply, lang: Lang, secure = true): void {
  if (req.cookies.lang !== lang) {
    // Secure like the other cookies (plain http only with INSECURE_COOKIES, for local development).
    reply.setCookie('lang', lang, {
      path: '/',
      maxAge: 60 * 60 * 24 * 365,
      sameSite: 'lax',
      httpOnly: true,
      secure,
    });
  }
}

export async function pageContext(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  lang: Lang,
  extra: Partial<PageContext> & { title: string },
): Promise<PageContext> {
  rememberLang(req, reply, lang, !ctx.config.INSECURE_COOKIES);
  const region = await cachedRegion(ctx);
  return {
    lang,
    altPath: alternatePath(req.url, lang === 'fr' ? 'en' : 'fr'),
    path: req.url,
    // Never the request's Host / X-Forwarded-Host: canonical and hreflang links would follow it.
    origin: publicBaseUrl(ctx.config),
    region,
    tileUrl: ctx.config.TILE_URL,
    tileAttribution: ctx.config.TILE_ATTRIBUTION,
    ...extra,
  };
}
