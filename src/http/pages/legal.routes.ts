import type { FastifyInstance } from 'fastify';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { legalText } from '../../modules/region/index.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

/** Plain text → paragraphs (blank lines) and line breaks; nothing in it is read as markup. */
function Paragraphs(text: string) {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const lines = p.split(/\r?\n/);
      return html`<p>${lines.map((l, i) => (i ? [html`<br />`, l] : l))}</p>`;
    });
}

/** The operator's terms of use and privacy policy, edited at /fr/admin/region (French first). */
export default async function legalRoutes(app: FastifyInstance, ctx: AppContext) {
  const pages = [
    { page: 'terms', lang: 'fr' },
    { page: 'terms', lang: 'en' },
    { page: 'privacy', lang: 'fr' },
    { page: 'privacy', lang: 'en' },
  ] as const;
  for (const { page, lang } of pages) {
    app.get(localPath(lang as Lang, page), { schema: { hide: true } }, async (req, reply) => {
      const title = t(lang, `legal.${page}_title`);
      const pc = await pageContext(req, reply, ctx, lang, { title });
      const r = pc.region;
      const doc = legalText(r, page, lang);
      const contact = [r.contact_address, r.contact_phone].filter(Boolean);
      const body = html`<article class="legal-text">
        <h1>${title}</h1>
        ${
          doc.text
            ? html`${doc.lang !== lang ? html`<p class="notice">${t(lang, 'legal.french_only')}</p>` : null}
                <div lang=${doc.lang === 'fr' ? 'fr-CA' : 'en-CA'}>${Paragraphs(doc.text)}</div>`
            : html`<p>${t(lang, 'legal.empty')}</p>`
        }
        ${
          r.contact_email || contact.length
            ? html`<h2>${t(lang, 'legal.contact')}</h2>
                <address>
                  ${contact.map((c) => html`${c}<br />`)}
                  ${r.contact_email ? html`<a href=${`mailto:${r.contact_email}`}>${r.contact_email}</a>` : null}
                </address>`
            : null
        }
      </article>`;
      return sendHtml(reply, renderDocument(Layout(pc, body)));
    });
  }
}
