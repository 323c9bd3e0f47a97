import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { labelColon, t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import {
  addCategorySynonym,
  type Category,
  getCategory,
  listCategoriesForAdmin,
  listCategorySynonymsOf,
  removeCategorySynonym,
} from '../../modules/catalog/index.ts';
import {
  createCategory,
  mergeCategories,
  renameCategory,
  setCategoryHidden,
} from '../../workflows/category-admin.ts';
import { requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors, Notice } from '../merchant/forms.ts';
import { html } from '../pages/html.ts';
import { localPath } from '../pages/page-context.ts';
import { saveForm, sendAdminPage } from './admin-page.ts';

/** /fr/admin/categories, /en/admin/categories. */
export const adminCategoriesPath = (lang: Lang) => localPath(lang, 'admin', '/categories');

const DONE = ['created', 'renamed', 'hidden', 'shown', 'merged'] as const;
const idParams = z.object({ id: z.coerce.number().int().positive() });
const listQuery = z.object({ done: z.enum(DONE).optional() });
// Strings in; the catalog service validates them and returns field errors.
const namesForm = z.object({
  name_fr: z.string().max(500).default(''),
  name_en: z.string().max(500).default(''),
  slug: z.string().max(200).default(''),
  _csrf: z.string().optional(),
});
// Lenient here so the sign-in and CSRF checks answer first; the value is checked after them.
const hideForm = z.object({ hidden: z.string().max(5).optional(), _csrf: z.string().optional() });
const mergeForm = z.object({ target: z.string().max(20).default(''), _csrf: z.string().optional() });
type NamesForm = z.infer<typeof namesForm>;
const synonymForm = z.object({ synonym: z.string().max(500).default(''), _csrf: z.string().optional() });
const removeSynonymForm = z.object({ folded: z.string().max(500).default(''), _csrf: z.string().optional() });
const editQuery = z.object({ done: z.enum(['synonym_added', 'synonym_removed']).optional() });

/**
 * Region admins edit the category taxonomy: add, rename (fr/en; the slug never changes), hide
 * (products become uncategorised), merge (products and merchants move to the target, the old
 * slug becomes an alias) and give synonyms that product imports match ("Dépanneur" = Épicerie).
 */
export default async function adminCategoryRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  const nameFields = (lang: Lang, values: Partial<NamesForm>, errors?: FieldErrors) =>
    html`${Field({ name: 'name_fr', label: t(lang, 'admin_categories.name_fr'), value: values.name_fr, errors, required: true, attrs: { lang: 'fr' } })}
    ${Field({ name: 'name_en', label: t(lang, 'admin_categories.name_en'), value: values.name_en, errors, required: true, attrs: { lang: 'en' } })}`;

  async function listPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    form: {
      values?: Partial<NamesForm>;
      errors?: FieldErrors;
      done?: string;
      rowError?: { id: number; text: string };
    } = {},
  ) {
    const rows = await listCategoriesForAdmin(db);
    const base = adminCategoriesPath(lang);
    const token = reply.generateCsrf();
    const label = (c: Category) => (lang === 'fr' ? c.name_fr : c.name_en);
    const visible = rows.filter((c) => !c.hidden);
    const body = html`<section class="admin">
      <h1>${t(lang, 'admin_categories.title')}</h1>
      <p>${t(lang, 'admin_categories.lead')}</p>
      ${Notice(form.done ? t(lang, `admin_categories.done_${form.done}`) : undefined)}
      ${
        rows.length
          ? html`<table class="data stack">
              <caption class="sr">${t(lang, 'admin_categories.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'admin_categories.name_fr')}</th>
                  <th scope="col">${t(lang, 'admin_categories.name_en')}</th>
                  <th scope="col">${t(lang, 'admin_categories.slug')}</th>
                  <th scope="col">${t(lang, 'admin_categories.products')}</th>
                  <th scope="col">${t(lang, 'admin_categories.status')}</th>
                  <th scope="col">${t(lang, 'admin_categories.merge')}</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map((c) => {
                  const err = form.rowError?.id === c.id ? form.rowError.text : undefined;
                  return html`<tr data-category=${c.slug}>
                    <th scope="row" lang="fr">
                      <a href=${`${base}/${c.id}`} aria-label=${t(lang, 'admin_categories.edit', { name: label(c) })}>${c.name_fr}</a>
                    </th>
                    <td lang="en" data-label=${labelColon(lang, t(lang, 'admin_categories.name_en'))}>${c.name_en}</td>
                    <td data-label=${labelColon(lang, t(lang, 'admin_categories.slug'))}><code>${c.slug}</code></td>
                    <td data-label=${labelColon(lang, t(lang, 'admin_categories.products'))}>${c.products}</td>
                    <td data-label=${labelColon(lang, t(lang, 'admin_categories.status'))}>
                      ${c.hidden ? t(lang, 'admin_categories.hidden') : t(lang, 'admin_categories.visible')}
                      <form method="post" action=${`${base}/${c.id}/hide`} class="inline">
                        ${Csrf(token)}<input type="hidden" name="hidden" value=${c.hidden ? '0' : '1'} />
                        <button type="submit" aria-label=${`${t(lang, c.hidden ? 'admin_categories.show' : 'admin_categories.hide')} ${label(c)}`}>
                          ${t(lang, c.hidden ? 'admin_categories.show' : 'admin_categories.hide')}
                        </button>
                      </form>
                    </td>
                    <td>
                      <form method="post" action=${`${base}/${c.id}/merge`} class="inline">
                        ${Csrf(token)}
                        <label for=${`merge-${c.id}`}>${t(lang, 'admin_categories.merge_into')}</label>
                        <select
                          id=${`merge-${c.id}`}
                          name="target"
                          aria-invalid=${err ? 'true' : undefined}
                          aria-describedby=${err ? `merge-${c.id}-error` : undefined}
                        >
                          <option value="">${t(lang, 'admin_categories.choose')}</option>
                          ${visible.filter((v) => v.id !== c.id).map((v) => html`<option value=${v.id}>${label(v)}</option>`)}
                        </select>
                        <button type="submit" aria-label=${`${t(lang, 'admin_categories.merge')} ${label(c)}`}>
                          ${t(lang, 'admin_categories.merge')}
                        </button>
                        ${err ? html`<p class="field-error" id=${`merge-${c.id}-error`} role="alert">${err}</p>` : null}
                      </form>
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>`
          : html`<p class="empty">${t(lang, 'admin_categories.none')}</p>`
      }
      <h2 id="add">${t(lang, 'admin_categories.add')}</h2>
      ${ErrorSummary(lang, form.errors)}
      <form method="post" action=${base} novalidate>
        ${Csrf(token)} ${nameFields(lang, form.values ?? {}, form.errors)}
        ${Field({
          name: 'slug',
          label: t(lang, 'admin_categories.slug'),
          hint: t(lang, 'admin_categories.slug_hint'),
          value: form.values?.slug,
          errors: form.errors,
          attrs: { pattern: '[a-z0-9-]+' },
        })}
        <button type="submit">${t(lang, 'admin_categories.add')}</button>
      </form>
    </section>`;
    return sendAdminPage(req, reply, ctx, lang, t(lang, 'admin_categories.title'), body);
  }

  async function editPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    c: Category,
    form: {
      values?: Partial<NamesForm>;
      errors?: FieldErrors;
      synonym?: string;
      synonymErrors?: FieldErrors;
      done?: string;
    } = {},
  ) {
    const title = t(lang, 'admin_categories.edit', { name: lang === 'fr' ? c.name_fr : c.name_en });
    const base = adminCategoriesPath(lang);
    const synonyms = await listCategorySynonymsOf(db, c.id);
    const token = reply.generateCsrf();
    const body = html`<section class="admin">
      <p><a href=${base}>${t(lang, 'admin_categories.back')}</a></p>
      <h1>${title}</h1>
      <dl>
        <dt>${t(lang, 'admin_categories.slug')}</dt>
        <dd><code>${c.slug}</code></dd>
      </dl>
      ${ErrorSummary(lang, form.errors)}
      <form method="post" action=${`${base}/${c.id}`} novalidate>
        ${Csrf(token)} ${nameFields(lang, form.values ?? c, form.errors)}
        <button type="submit">${t(lang, 'admin_categories.rename')}</button>
      </form>
      <h2 id="synonyms">${t(lang, 'category_synonyms.title')}</h2>
      ${Notice(form.done ? t(lang, `category_synonyms.done_${form.done}`) : undefined)}
      <p>${t(lang, 'category_synonyms.lead')}</p>
      ${
        synonyms.length
          ? html`<ul class="synonyms">
              ${synonyms.map(
                (s) => html`<li data-synonym=${s.folded}>
                  ${s.label}
                  <form method="post" action=${`${base}/${c.id}/synonyms/remove`} class="inline">
                    ${Csrf(token)}<input type="hidden" name="folded" value=${s.folded} />
                    <button type="submit" aria-label=${t(lang, 'category_synonyms.remove_named', { synonym: s.label })}>
                      ${t(lang, 'category_synonyms.remove')}
                    </button>
                  </form>
                </li>`,
              )}
            </ul>`
          : html`<p>${t(lang, 'category_synonyms.none')}</p>`
      }
      ${ErrorSummary(lang, form.synonymErrors)}
      <form method="post" action=${`${base}/${c.id}/synonyms`} novalidate>
        ${Csrf(token)}
        ${Field({
          name: 'synonym',
          label: t(lang, 'category_synonyms.add_label'),
          hint: t(lang, 'category_synonyms.add_hint'),
          value: form.synonym,
          errors: form.synonymErrors,
          required: true,
        })}
        <button type="submit">${t(lang, 'category_synonyms.add')}</button>
      </form>
    </section>`;
    return sendAdminPage(req, reply, ctx, lang, title, body);
  }

  for (const lang of ['fr', 'en'] as const) {
    const base = adminCategoriesPath(lang);
    const idOf = (req: FastifyRequest) => (req.params as z.infer<typeof idParams>).id;

    app.get(base, { schema: { hide: true, querystring: listQuery } }, async (req, reply) => {
      await requireRegionAdmin(req, ctx);
      return listPage(req, reply, lang, { done: (req.query as z.infer<typeof listQuery>).done });
    });

    app.post(
      base,
      { schema: { hide: true, body: namesForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const values = req.body as NamesForm;
        const r = await saveForm(
          reply,
          lang,
          () => createCategory(ctx.database, values),
          (errors) => listPage(req, reply, lang, { values, errors }),
        );
        if (!r.saved) return r.page;
        req.log.info({ event: 'category_created', category: r.value.slug, by: user.id }, 'category created');
        return reply.redirect(`${base}?done=created`, 303);
      },
    );

    app.get(
      `${base}/:id`,
      { schema: { hide: true, params: idParams, querystring: editQuery } },
      async (req, reply) => {
        await requireRegionAdmin(req, ctx);
        return editPage(req, reply, lang, await getCategory(db, idOf(req)), {
          done: (req.query as z.infer<typeof editQuery>).done,
        });
      },
    );

    app.post(
      `${base}/:id/synonyms`,
      { schema: { hide: true, params: idParams, body: synonymForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const c = await getCategory(db, idOf(req));
        const { synonym } = req.body as z.infer<typeof synonymForm>;
        try {
          const s = await addCategorySynonym(ctx.database, c.id, { synonym });
          req.log.info(
            { event: 'category_synonym_added', category: c.slug, synonym: s.folded, by: user.id },
            'category synonym added',
          );
          return reply.redirect(`${base}/${c.id}?done=synonym_added#synonyms`, 303);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          reply.code(400);
          return editPage(req, reply, lang, c, { synonym, synonymErrors: issuesToErrors(lang, err.issues) });
        }
      },
    );

    app.post(
      `${base}/:id/synonyms/remove`,
      { schema: { hide: true, params: idParams, body: removeSynonymForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const c = await getCategory(db, idOf(req));
        const { folded } = req.body as z.infer<typeof removeSynonymForm>;
        await removeCategorySynonym(ctx.database, c.id, folded);
        req.log.info(
          { event: 'category_synonym_removed', category: c.slug, synonym: folded, by: user.id },
          'category synonym removed',
        );
        return reply.redirect(`${base}/${c.id}?done=synonym_removed#synonyms`, 303);
      },
    );

    app.post(
      `${base}/:id`,
      { schema: { hide: true, params: idParams, body: namesForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const c = await getCategory(db, idOf(req));
        const values = req.body as NamesForm;
        const r = await saveForm(
          reply,
          lang,
          () => renameCategory(ctx.database, c.id, values),
          (errors) => editPage(req, reply, lang, c, { values, errors }),
        );
        if (!r.saved) return r.page;
        req.log.info({ event: 'category_renamed', category: c.slug, by: user.id }, 'category renamed');
        return reply.redirect(`${base}?done=renamed`, 303);
      },
    );

    app.post(
      `${base}/:id/hide`,
      { schema: { hide: true, params: idParams, body: hideForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const flag = (req.body as z.infer<typeof hideForm>).hidden;
        if (flag !== '0' && flag !== '1') {
          reply.code(400);
          return listPage(req, reply, lang, {});
        }
        const hidden = flag === '1';
        const r = await setCategoryHidden(ctx.database, idOf(req), hidden);
        req.log.info(
          { event: 'category_hidden', category_id: idOf(req), hidden, products: r.products, by: user.id },
          'category visibility changed',
        );
        return reply.redirect(`${base}?done=${hidden ? 'hidden' : 'shown'}`, 303);
      },
    );

    app.post(
      `${base}/:id/merge`,
      { schema: { hide: true, params: idParams, body: mergeForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const source = await getCategory(db, idOf(req));
        const target = Number((req.body as z.infer<typeof mergeForm>).target);
        try {
          const r = await mergeCategories(ctx.database, source.id, Number.isInteger(target) ? target : 0);
          req.log.info(
            {
              event: 'category_merged',
              category: source.slug,
              into: target,
              products: r.products,
              by: user.id,
            },
            'categories merged',
          );
          return reply.redirect(`${base}?done=merged`, 303);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          reply.code(400);
          return listPage(req, reply, lang, {
            rowError: { id: source.id, text: issuesToErrors(lang, err.issues).target ?? '' },
          });
        }
      },
    );
  }
}
