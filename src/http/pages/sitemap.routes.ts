import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import type { DB } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';

/** The sitemap protocol's limit of URLs per file; above it /sitemap.xml becomes an index. */
export const SITEMAP_MAX_URLS = 50_000;

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string,
  );

interface Entry {
  /** Path without the language prefix, e.g. `/m/slug`; '' for home. */
  path: string;
  lastmod?: string;
}

/** Counts the public pages: home, approved merchants, their active products. */
async function counts(db: Kysely<DB>) {
  const m = await db
    .selectFrom('merchants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'approved')
    .executeTakeFirstOrThrow();
  const p = await db
    .selectFrom('products as p')
    .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('m.status', '=', 'approved')
    .where('p.status', '=', 'active')
    .executeTakeFirstOrThrow();
  return { merchants: Number(m.n), products: Number(p.n) };
}

/** Entries [offset, offset+limit) of the ordered list: home, merchants, products. */
async function entries(
  db: Kysely<DB>,
  offset: number,
  limit: number,
  c: { merchants: number },
): Promise<Entry[]> {
  const out: Entry[] = [];
  let skip = offset;
  if (skip === 0) out.push({ path: '' });
  else skip -= 1;
  if (out.length < limit && skip < c.merchants) {
    const rows = await db
      .selectFrom('merchants')
      .select(['slug', 'updated_at'])
      .where('status', '=', 'approved')
      .orderBy('id')
      .offset(skip)
      .limit(limit - out.length)
      .execute();
    for (const r of rows) out.push({ path: `/m/${r.slug}`, lastmod: r.updated_at });
    skip = 0;
  } else skip -= Math.min(skip, c.merchants);
  if (out.length < limit) {
    const rows = await db
      .selectFrom('products as p')
      .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
      .select(['p.id', 'p.updated_at'])
      .where('m.status', '=', 'approved')
      .where('p.status', '=', 'active')
      .orderBy('p.id')
      .offset(skip)
      .limit(limit - out.length)
      .execute();
    for (const r of rows) out.push({ path: `/p/${r.id}`, lastmod: r.updated_at });
  }
  return out;
}

/** A <urlset>: one <url> per page in French with its English alternate (hreflang). */
export function renderUrlset(base: string, list: Entry[]): string {
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
  const c = await counts(db);
  const total = 1 + c.merchants + c.products;
  const pages = Math.ceil(total / perFile);
  if (page === undefined) {
    if (pages <= 1) return renderUrlset(base, await entries(db, 0, perFile, c));
    return renderIndex(base, pages);
  }
  if (page < 1 || page > pages) return undefined;
  return renderUrlset(base, await entries(db, (page - 1) * perFile, perFile, c));
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
