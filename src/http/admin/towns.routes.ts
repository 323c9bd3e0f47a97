import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { labelColon, t } from '../../i18n/index.ts';
import { clearReferenceCache } from '../../modules/search/index.ts';
import { createTown, getTown, listTowns, type Town, updateTown } from '../../modules/towns/index.ts';
import { requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, Notice } from '../merchant/forms.ts';
import { html } from '../pages/html.ts';
import { localPath } from '../pages/page-context.ts';
import { saveForm, sendAdminPage } from './admin-page.ts';

/** A latitude or longitude as the language writes decimals ("45,3956" in French). */
const coordinate = (n: number, lang: Lang) =>
  new Intl.NumberFormat(lang === 'fr' ? 'fr-CA' : 'en-CA', { maximumFractionDigits: 6 }).format(n);

/** /fr/admin/villes, /en/admin/towns. */
export const adminTownsPath = (lang: Lang) => localPath(lang, 'admin', lang === 'fr' ? '/villes' : '/towns');

const idParams = z.object({ id: z.coerce.number().int().positive() });
const listQuery = z.object({ done: z.enum(['created', 'saved']).optional() });
// Strings in; the towns service validates them (so errors are the same for the CLI and this page).
const townForm = z.object({
  name: z.string().max(500).default(''),
  lat: z.string().max(50).default(''),
  lng: z.string().max(50).default(''),
  postal_prefixes: z.string().max(500).default(''),
  _csrf: z.string().optional(),
});
type TownForm = z.infer<typeof townForm>;

/** Region admins list, add and edit the region's towns (names, centres, postal areas). */
export default async function adminTownRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  function townFields(lang: Lang, values: Partial<TownForm>, errors?: FieldErrors) {
    return html`${Field({ name: 'name', label: t(lang, 'admin_towns.name'), value: values.name, errors, required: true })}
      ${Field({ name: 'lat', label: t(lang, 'admin_towns.lat'), value: values.lat, errors, required: true, attrs: { inputmode: 'decimal' } })}
      ${Field({ name: 'lng', label: t(lang, 'admin_towns.lng'), value: values.lng, errors, required: true, attrs: { inputmode: 'decimal' } })}
      ${Field({
        name: 'postal_prefixes',
        label: t(lang, 'admin_towns.postal_prefixes'),
        hint: t(lang, 'admin_towns.prefixes_hint'),
        value: values.postal_prefixes,
        errors,
      })}`;
  }

  async function listPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    form: { values?: Partial<TownForm>; errors?: FieldErrors; done?: string } = {},
  ) {
    const towns = await listTowns(db);
    const base = adminTownsPath(lang);
    const body = html`<section class="admin">
      <h1>${t(lang, 'admin_towns.title')}</h1>
      <p>${t(lang, 'admin_towns.lead')}</p>
      ${Notice(form.done ? t(lang, `admin_towns.${form.done}`) : undefined)}
      ${
        towns.length
          ? html`<table class="data stack">
              <caption>${t(lang, 'admin_towns.list')}</caption>
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'admin_towns.name')}</th>
                  <th scope="col">${t(lang, 'admin_towns.lat')}</th>
                  <th scope="col">${t(lang, 'admin_towns.lng')}</th>
                  <th scope="col">${t(lang, 'admin_towns.postal_prefixes')}</th>
                  <th scope="col">${t(lang, 'admin_towns.actions')}</th>
                </tr>
              </thead>
              <tbody>
                ${towns.map(
                  (m) => html`<tr data-town=${m.id}>
                    <th scope="row">${m.name}</th>
                    <td data-label=${labelColon(lang, t(lang, 'admin_towns.lat'))}>${coordinate(m.lat, lang)}</td>
                    <td data-label=${labelColon(lang, t(lang, 'admin_towns.lng'))}>${coordinate(m.lng, lang)}</td>
                    <td data-label=${labelColon(lang, t(lang, 'admin_towns.postal_prefixes'))}>${m.postal_prefixes}</td>
                    <td>
                      <a href=${`${base}/${m.id}`} aria-label=${t(lang, 'admin_towns.edit', { name: m.name })}>${t(lang, 'admin_towns.edit_short')}</a>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="empty">${t(lang, 'admin_towns.none')}</p>`
      }
      <h2 id="add">${t(lang, 'admin_towns.add')}</h2>
      ${ErrorSummary(lang, form.errors)}
      <form method="post" action=${base} novalidate>
        ${Csrf(reply.generateCsrf())} ${townFields(lang, form.values ?? {}, form.errors)}
        <button type="submit">${t(lang, 'admin_towns.add')}</button>
      </form>
    </section>`;
    return sendAdminPage(req, reply, ctx, lang, t(lang, 'admin_towns.title'), body);
  }

  async function editPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    town: Town,
    form: { values?: Partial<TownForm>; errors?: FieldErrors } = {},
  ) {
    const title = t(lang, 'admin_towns.edit', { name: town.name });
    const base = adminTownsPath(lang);
    const values = form.values ?? {
      name: town.name,
      lat: String(town.lat),
      lng: String(town.lng),
      postal_prefixes: town.postal_prefixes,
    };
    const body = html`<section class="admin">
      <p><a href=${base}>${t(lang, 'admin_towns.back')}</a></p>
      <h1>${title}</h1>
      ${ErrorSummary(lang, form.errors)}
      <form method="post" action=${`${base}/${town.id}`} novalidate>
        ${Csrf(reply.generateCsrf())} ${townFields(lang, values, form.errors)}
        <button type="submit">${t(lang, 'admin_towns.save')}</button>
      </form>
    </section>`;
    return sendAdminPage(req, reply, ctx, lang, title, body);
  }

  for (const lang of ['fr', 'en'] as const) {
    const base = adminTownsPath(lang);
    app.get(base, { schema: { hide: true, querystring: listQuery } }, async (req, reply) => {
      await requireRegionAdmin(req, ctx);
      return listPage(req, reply, lang, { done: (req.query as z.infer<typeof listQuery>).done });
    });
    app.post(
      base,
      { schema: { hide: true, body: townForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const values = req.body as TownForm;
        const r = await saveForm(
          reply,
          lang,
          () => createTown(db, values),
          (errors) => listPage(req, reply, lang, { values, errors }),
        );
        if (!r.saved) return r.page;
        clearReferenceCache(ctx.database); // search reads towns ("near Aylmer") from a cache
        req.log.info({ event: 'town_created', town_id: r.value, by: user.id }, 'town created');
        return reply.redirect(`${base}?done=created`, 303);
      },
    );
    app.get(`${base}/:id`, { schema: { hide: true, params: idParams } }, async (req, reply) => {
      await requireRegionAdmin(req, ctx);
      const town = await getTown(db, (req.params as z.infer<typeof idParams>).id);
      return editPage(req, reply, lang, town);
    });
    app.post(
      `${base}/:id`,
      { schema: { hide: true, params: idParams, body: townForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const town = await getTown(db, (req.params as z.infer<typeof idParams>).id);
        const values = req.body as TownForm;
        const r = await saveForm(
          reply,
          lang,
          () => updateTown(db, town.id, values),
          (errors) => editPage(req, reply, lang, town, { values, errors }),
        );
        if (!r.saved) return r.page;
        clearReferenceCache(ctx.database);
        req.log.info({ event: 'town_updated', town_id: town.id, by: user.id }, 'town updated');
        return reply.redirect(`${base}?done=saved`, 303);
      },
    );
  }
}
