import type { VNode } from 'preact';
import { brandStyle, regionName as regionNameIn } from '../../../modules/region/index.ts';
import { html } from '../html.ts';
import { localPath, type PageContext, tr } from '../page-context.ts';

/** The page frame every consumer page shares: header with search, language switch, cart; footer. */
export function Layout(ctx: PageContext, body: VNode | VNode[] | string): VNode {
  const other = ctx.lang === 'fr' ? 'en' : 'fr';
  const regionName = regionNameIn(ctx.region, ctx.lang);
  const title = ctx.title ? `${ctx.title} · ${regionName}` : regionName;
  // Back-office and console pages get the denser stylesheet; consumer pages stay small.
  const pathname = ctx.path.split('?')[0];
  const area = /^\/(?:fr|en)\/(admin|marchand|merchant)(?:\/|$)/.exec(pathname)?.[1];
  const backOffice = area !== undefined;
  const consoleHome = `/${ctx.lang}/admin`;
  return html`<html lang=${ctx.lang === 'fr' ? 'fr-CA' : 'en-CA'} style=${brandStyle(ctx.region) || undefined}>
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title}</title>
      <meta name="description" content=${ctx.description ?? tr(ctx, 'site.description', { region: regionName })} />
      <meta name="theme-color" content=${ctx.region.primary_color} />
      <link rel="alternate" hreflang=${ctx.lang === 'fr' ? 'fr-CA' : 'en-CA'} href=${ctx.origin + ctx.path} />
      <link rel="alternate" hreflang=${other === 'fr' ? 'fr-CA' : 'en-CA'} href=${ctx.origin + ctx.altPath} />
      <link rel="alternate" hreflang="x-default" href=${ctx.origin + (ctx.lang === 'fr' ? ctx.path : ctx.altPath)} />
      <link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/css/app.css?v=3" />
      ${backOffice ? html`<link rel="stylesheet" href="/static/css/bo.css?v=2" />` : null}
      ${(ctx.styles ?? []).map((s) => html`<link rel="stylesheet" href=${s} />`)}
      ${ctx.head ?? null}
    </head>
    <body>
      <a class="skip" href="#main">${tr(ctx, 'nav.skip')}</a>
      <header class="site-header">
        <div class="bar">
          <a class="brand" href=${`/${ctx.lang}`}>
            ${
              ctx.region.logo_path
                ? html`<img src=${ctx.region.logo_path} alt="" height="32" />`
                : html`<img src="/static/img/logo.svg" alt="" width="32" height="32" />`
            }
            <span>${regionName}</span>
          </a>
          <nav class="tools" aria-label=${tr(ctx, 'nav.tools')}>
            <a class="lang" href=${ctx.altPath} hreflang=${other} lang=${other} data-lang=${other}>
              <span aria-hidden="true">${other.toUpperCase()}</span>
              <span class="sr">${tr(ctx, 'nav.switch_lang')}</span>
            </a>
            <a href=${localPath(ctx.lang, 'cart')} class="cart-link">
              ${tr(ctx, 'nav.cart')}
              <span class="count" data-cart-count>${ctx.cartCount ? ` (${ctx.cartCount})` : ''}</span>
            </a>
            <a href=${localPath(ctx.lang, 'account')}>${tr(ctx, 'nav.account')}</a>
          </nav>
        </div>
        <form class="search-form" role="search" action=${localPath(ctx.lang, 'search')} method="get">
          <label for="q" class="sr">${tr(ctx, 'search.label')}</label>
          <input
            id="q"
            name="q"
            type="search"
            value=${ctx.query?.q ?? ''}
            placeholder=${tr(ctx, 'search.placeholder')}
            autocomplete="off"
            data-suggest=${`/api/v1/suggest?lang=${ctx.lang}`}
          />
          <label for="near" class="sr">${tr(ctx, 'search.near_label')}</label>
          <input id="near" name="near" type="text" value=${ctx.query?.near ?? ''} placeholder=${tr(ctx, 'search.near_placeholder')} />
          <button type="submit">${tr(ctx, 'search.submit')}</button>
        </form>
      </header>
      <main id="main" tabindex="-1">
        ${
          area === 'admin' && pathname !== consoleHome
            ? html`<nav class="admin-bar" aria-label=${tr(ctx, 'console.title')}>
                <a href=${consoleHome}><span aria-hidden="true">← </span>${tr(ctx, 'console.title')}</a>
              </nav>`
            : null
        }
        ${body}
      </main>
      <footer class="site-footer">
        <p>${tr(ctx, 'footer.about', { region: regionName })}</p>
        <p>
          <a href=${`/${ctx.lang}/${ctx.lang === 'fr' ? 'commerces' : 'merchants'}`}>${tr(ctx, 'footer.directory')}</a>
          · <a href="/api/docs">${tr(ctx, 'footer.api')}</a>
          · <a href="/api/v1/open-data/merchants.csv">${tr(ctx, 'footer.open_data')}</a>
          · <a href=${localPath(ctx.lang, 'terms')}>${tr(ctx, 'footer.terms')}</a>
          · <a href=${localPath(ctx.lang, 'privacy')}>${tr(ctx, 'footer.privacy')}</a>
          ${ctx.region.contact_email ? html`· <a href=${`mailto:${ctx.region.contact_email}`}>${tr(ctx, 'legal.contact')}</a>` : null}
          · <a href=${ctx.altPath} lang=${other}>${other === 'en' ? 'English' : 'Français'}</a>
        </p>
      </footer>
      <script src="/static/js/app.js?v=2" defer></script>
      ${(ctx.scripts ?? []).map((s) => html`<script src=${s} defer></script>`)}
    </body>
  </html>`;
}
