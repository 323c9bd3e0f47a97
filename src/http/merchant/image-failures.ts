import { type Lang, t } from '../../i18n/index.ts';
import type { ImageFailure } from '../../modules/media/index.ts';
import { html } from '../pages/html.ts';

/** The products whose imported image could not be fetched, with the reason (back-office products list). */
export function ImageFailures(lang: Lang, failures: ImageFailure[], productHref: (id: number) => string) {
  if (!failures.length) return null;
  return html`<section class="notice warning" aria-labelledby="image-failures-h" data-image-failures=${failures.length}>
    <h2 id="image-failures-h">${t(lang, 'image_fetch.title')}</h2>
    <p>${t(lang, 'image_fetch.intro')}</p>
    <table class="data">
      <thead>
        <tr>
          <th scope="col">${t(lang, 'image_fetch.product')}</th>
          <th scope="col">SKU</th>
          <th scope="col">${t(lang, 'image_fetch.reason_h')}</th>
          <th scope="col">${t(lang, 'image_fetch.source')}</th>
        </tr>
      </thead>
      <tbody>
        ${failures.map(
          (f) => html`<tr data-image-failure=${f.sku}>
            <th scope="row"><a href=${productHref(f.product_id)}>${f.title_fr}</a></th>
            <td>${f.sku}</td>
            <td>
              ${t(lang, 'image_fetch.failed', { reason: f.reason })}${f.retrying ? ` (${t(lang, 'image_fetch.retrying')})` : ''}
            </td>
            <td><code>${f.source_url}</code></td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}
