import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import { type SitemapEntry, sitemapCounts, sitemapEntries } from '../../modules/search/index.ts';
import type { AppContext } from '../context.ts';

/** The sitemap protocol's limit of URLs per file; above it /sitemap.xml becomes an index. */
export const SITEMAP_MAX_URLS = 50_000;

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );

/** A <urlset>: one <url> per page in French with its English alternate (hreflang). */
export function renderUrlset(base: string, list: SitemapEntry[]): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
  ];
  for (const e of list) {
    const fr = xmlEscape(`${base}/fr${e.path}`);
    const en = xmlEscape(`${base}/en${e.path}`);
    parts.push(
      `<url><loc>${fr}</loc>${e.lastmod ? `<lastmod>${xmlEscape(e.lastmod)}</lastmod>` : ''}<xhtml:link rel="alternate" hreflang="fr-CA" href="${fr}"/><xhtml:link rel="alternate" hreflang="en-CA" href="${en}"/></url>`,
    );
  }
  parts.push('</urlset>');
  return `${parts.join('\n')}\n`;
}

export function renderIndex(base: string, pages: number): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
  ];
  for (let i = 1; i <= pages; i++)
    parts.push(`<sitemap><loc>${xmlEscape(`${base}/sitemap-${i}.xml`)}</loc></sitemap>`);
  parts.push('</sitemapindex>');
  return `${parts.join('\n')}\n`;
}

/**
 * /sitemap.xml for the home page, approved merchants and active products. When there are more
 * than `perFile` URLs it is a sitemap index pointing to /sitemap-1.xml, /sitemap-2.xml, ...
 */
export async function buildSitemap(
  db: Kysely<DB>,
  base: string,
  page: number | undefined,
  perFile = SITEMAP_MAX_URLS,
): Promise<string | undefined> {
  const c = await sitemapCounts(db);
  const total = 1 + c.merchants + c.products;
  const pages = Math.ceil(total / perFile);
  if (page === undefined) {
    if (pages <= 1) return renderUrlset(base, await sitemapEntries(db, 0, perFile, c));
    return renderIndex(base, pages);
  }
  if (page < 1 || page > pages) return undefined;
  return renderUrlset(base, await sitemapEntries(db, (page - 1) * perFile, perFile, c));
}

/** The configured public URL, never the request's Host header (the sitemap is cached by crawlers). */
function baseUrl(ctx: AppContext, _req: FastifyRequest): string {
  return publicBaseUrl(ctx.config);
}

export default async function sitemapRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  const send = (body: string) => (reply: import('fastify').FastifyReply) =>
    reply.type('application/xml; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body);
  app.get('/sitemap.xml', { schema: { hide: true } }, async (req, reply) => {
    const xml = (await buildSitemap(db, baseUrl(ctx, req), undefined)) as string;
    return send(xml)(reply);
  });
  app.get(
    '/sitemap-:page.xml',
    { schema: { hide: true, params: z.object({ page: z.coerce.number().int() }) } },
    async (req, reply) => {
      const { page } = req.params as { page: number };
      const xml = await buildSitemap(db, baseUrl(ctx, req), page);
      if (!xml) return reply.callNotFound();
      return send(xml)(reply);
    },
  );
  app.get('/robots.txt', { schema: { hide: true } }, async (req, reply) =>
    reply
      .type('text/plain; charset=utf-8')
      .send(`User-agent: *\nDisallow: /api/\nSitemap: ${baseUrl(ctx, req)}/sitemap.xml\n`),
  );
}
