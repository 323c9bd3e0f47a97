import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Lang } from '../../i18n/index.ts';
import { getRegion, type Region } from '../../modules/region/index.ts';
import type { AppContext } from '../context.ts';
import { alternatePath, type PageContext } from './page-context.ts';

let regionCache: { at: number; value: Region; key: unknown } | undefined;

/** Region settings change rarely; a few seconds of caching keeps them off every page's critical path. */
export async function cachedRegion(ctx: AppContext): Promise<Region> {
  const now = Date.now();
  if (regionCache && regionCache.key === ctx.database && now - regionCache.at < 10_000)
    return regionCache.value;
  const value = await getRegion(ctx.database.db);
  regionCache = { at: now, value, key: ctx.database };
  return value;
}

export function invalidateRegionCache(): void {
  regionCache = undefined;
}

/** Remembers the visitor's language choice (URL-visible, and in a cookie for `/`). */
export function rememberLang(req: FastifyRequest, reply: FastifyReply, lang: Lang): void {
  if (req.cookies.lang !== lang) {
    reply.setCookie('lang', lang, { path: '/', maxAge: 60 * 60 * 24 * 365, sameSite: 'lax', httpOnly: true });
  }
}

export async function pageContext(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  lang: Lang,
  extra: Partial<PageContext> & { title: string },
): Promise<PageContext> {
  rememberLang(req, reply, lang);
  const region = await cachedRegion(ctx);
  return {
    lang,
    altPath: alternatePath(req.url, lang === 'fr' ? 'en' : 'fr'),
    path: req.url,
    origin: (ctx.config.PUBLIC_URL ?? `${req.protocol}://${req.host}`).replace(/\/$/, ''),
    region,
    tileUrl: ctx.config.TILE_URL,
    tileAttribution: ctx.config.TILE_ATTRIBUTION,
    ...extra,
  };
}
