import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import { t } from '../../i18n/index.ts';
import { notFound } from '../../lib/errors.ts';
import { findAssociationBySlug, showcaseMembers, uniqueMembers } from '../../modules/associations/index.ts';
import type { AppContext } from '../context.ts';
import { html, renderDocument } from './html.ts';

const params = z.object({ slug: z.string().min(1).max(120) });
const query = z.object({ lang: z.enum(['fr', 'en']).default('fr') });

/**
 * The one page other sites may frame: this route alone replaces the site-wide
 * `frame-ancestors 'self'` by `*` and drops X-Frame-Options. It shows public data only, sets no
 * cookie, runs no script and has no form, so framing it cannot be used for clickjacking.
 */
export const EMBED_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *";

export default async function embedRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  app.get('/embed/a/:slug', { schema: { hide: true, params, querystring: query } }, async (req, reply) => {
    const { slug } = req.params as z.infer<typeof params>;
    const { lang } = req.query as z.infer<typeof query>;
    const a = await findAssociationBySlug(db, slug);
    if (!a) throw notFound('association');
    const rows = await showcaseMembers(db, a.id);
    const members = uniqueMembers(rows);
    const origin = publicBaseUrl(ctx.config);
    const doc = html`<html lang=${lang === 'fr' ? 'fr-CA' : 'en-CA'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${t(lang, 'association.members')} · ${a.name}</title>
        <style>${`body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1a1a1a}header{background:${a.primary_color};color:${a.accent_color};padding:.5rem .75rem}h1{font-size:1rem;margin:0}ul{list-style:none;margin:0;padding:0}li{padding:.5rem .75rem;border-bottom:1px solid #ddd}a{color:#0b3d91}small{color:#555;display:block}footer{padding:.5rem .75rem;font-size:.8rem}`}</style>
      </head>
      <body>
        <header><h1>${a.name} — ${t(lang, 'association.members')}</h1></header>
        <ul>
          ${members.map(
            (m) => html`<li>
              <a href=${`${origin}/${lang}/m/${m.slug}`} target="_blank" rel="noopener">${m.display_name}</a>
              <small>${m.address_line}, ${m.municipality}</small>
            </li>`,
          )}
        </ul>
        <footer><a href=${`${origin}/${lang}/a/${a.slug}`} target="_blank" rel="noopener">${t(lang, 'association.embed_more')}</a></footer>
      </body>
    </html>`;
    reply.removeHeader('x-frame-options');
    return reply
      .code(200)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', EMBED_CSP)
      .header('cache-control', 'public, max-age=300')
      .send(renderDocument(doc));
  });
}
