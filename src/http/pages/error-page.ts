import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { html, renderDocument } from './html.ts';

/** A plain, generic error page: no stack, no internals, in the visitor's language. */
export function renderErrorPage(lang: Lang, status: number, message: string): string {
  const title = t(lang, status === 404 ? 'page.not_found_title' : 'page.error_title');
  const text =
    status === 404 ? t(lang, 'page.not_found_text') : status >= 500 ? t(lang, 'page.error_text') : message;
  return renderDocument(html`<html lang=${lang === 'fr' ? 'fr-CA' : 'en-CA'}>
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
      <link rel="stylesheet" href="/static/css/app.css?v=3" />
    </head>
    <body>
      <main id="main" class="error-page">
        <h1>${title}</h1>
        <p>${text}</p>
        <p><a class="button" href=${`/${lang}`}>${t(lang, 'page.back_home')}</a></p>
      </main>
    </body>
  </html>`);
}
