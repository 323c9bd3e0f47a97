import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import { MAX_IMAGE_BYTES } from '../../modules/backoffice/index.ts';
import { loadRegion, type Region, type RegionPatch, setRegion } from '../../modules/region/index.ts';
import { requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import {
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
  Select,
  TextArea,
} from '../merchant/forms.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { localPath, sendHtml } from '../pages/page-context.ts';

export const adminRegionPath = (lang: Lang) => localPath(lang, 'admin', '/region');

/** Text fields of the form, in the order the settings schema knows them. */
const TEXT_FIELDS = [
  'name',
  'name_en',
  'tagline_fr',
  'tagline_en',
  'centre',
  'bounds',
  'timezone',
  'default_radius_km',
  'primary_color',
  'accent_color',
  'contact_email',
  'contact_phone',
  'contact_address',
  'terms_fr',
  'terms_en',
  'privacy_fr',
  'privacy_en',
] as const;
/** Platform tax collection for small suppliers (decision record 0005); absent from a post = unchanged. */
const TAX_FIELDS = [
  'platform_tax_collection',
  'platform_legal_name',
  'platform_gst_number',
  'platform_qst_number',
  // The platform fee on card payments (issue 15), in percent; absent = unchanged as well.
  'platform_fee_percent',
] as const;
type FormValues = Record<(typeof TEXT_FIELDS)[number] | (typeof TAX_FIELDS)[number], string>;

// The settings service validates every value (the CLI gets the same messages); here each field is
// typed: a text field that is absent or not a string counts as empty, a tax field that is absent
// (or not a string) leaves the stored value, and a logo is a file part (anything else: no new logo).
const formText = z.string().catch('');
const regionForm = z.object({
  ...(Object.fromEntries(TEXT_FIELDS.map((k) => [k, formText])) as Record<
    (typeof TEXT_FIELDS)[number],
    typeof formText
  >),
  ...(Object.fromEntries(TAX_FIELDS.map((k) => [k, z.string().optional().catch(undefined)])) as Record<
    (typeof TAX_FIELDS)[number],
    z.ZodCatch<z.ZodOptional<z.ZodString>>
  >),
  logo: z.instanceof(Buffer).optional().catch(undefined),
  _csrf: z.string().optional().catch(undefined),
});
const pageQuery = z.object({ saved: z.literal('1').optional() });

/** A fee in basis points as typed in the form ("2,5" in French). */
const feeText = (bps: number, lang: Lang) => String(bps / 100).replace('.', lang === 'fr' ? ',' : '.');

function valuesOf(r: Region, lang: Lang, defaultFeePercent: number): FormValues {
  const b = r.bounds;
  return {
    name: r.name,
    name_en: r.name_en,
    tagline_fr: r.tagline_fr,
    tagline_en: r.tagline_en,
    centre: `${r.center_lat}, ${r.center_lng}`,
    bounds: b ? `${b.south}, ${b.west}, ${b.north}, ${b.east}` : '',
    timezone: r.timezone,
    default_radius_km: String(r.default_radius_km),
    primary_color: r.primary_color,
    accent_color: r.accent_color,
    contact_email: r.contact_email,
    contact_phone: r.contact_phone,
    contact_address: r.contact_address,
    terms_fr: r.terms_fr,
    terms_en: r.terms_en,
    privacy_fr: r.privacy_fr,
    privacy_en: r.privacy_en,
    platform_tax_collection: r.platform_tax_collection,
    platform_legal_name: r.platform_legal_name,
    platform_gst_number: r.platform_gst_number,
    platform_qst_number: r.platform_qst_number,
    // Never set: the deployment's initial default (PLATFORM_FEE_PERCENT), saved with the form.
    platform_fee_percent: feeText(r.platform_fee_bps ?? Math.round(defaultFeePercent * 100), lang),
  };
}

/** Region settings (name, map, time zone, logo, colours, contact, legal pages): region admins only. */
export default async function adminRegionRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  // Multipart for the logo; fields land in req.body so the CSRF token is read as usual.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 40, fieldSize: 200_000 },
  });

  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    v: FormValues,
    errors?: FieldErrors,
    saved = false,
  ) {
    const title = t(lang, 'region.admin_title');
    const pc = await pageContext(req, reply, ctx, lang, { title });
    const token = reply.generateCsrf();
    const f = (name: keyof FormValues, extra: Partial<Parameters<typeof Field>[0]> = {}) =>
      Field({ name, label: t(lang, `region.field_${name}`), value: v[name], errors, ...extra });
    const area = (name: keyof FormValues) =>
      TextArea({ name, label: t(lang, `region.field_${name}`), value: v[name], errors, rows: 8 });
    const body = html`<section class="admin">
      <h1>${title}</h1>
      <p>${t(lang, 'region.admin_lead')}</p>
      ${Notice(saved ? t(lang, 'region.saved') : undefined)}
      ${ErrorSummary(lang, errors)}
      <form method="post" action=${adminRegionPath(lang)} enctype="multipart/form-data" novalidate>
        ${Csrf(token)}
        <fieldset>
          <legend>${t(lang, 'region.section_identity')}</legend>
          ${f('name', { required: true, attrs: { maxlength: 80 } })}
          ${f('name_en', { attrs: { maxlength: 80 } })}
          ${f('tagline_fr', { attrs: { maxlength: 200 } })}
          ${f('tagline_en', { attrs: { maxlength: 200 } })}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'region.section_map')}</legend>
          ${f('centre', { required: true, hint: t(lang, 'region.centre_hint'), attrs: { inputmode: 'decimal' } })}
          ${f('bounds', { hint: t(lang, 'region.bounds_hint'), attrs: { inputmode: 'decimal' } })}
          ${f('timezone', { required: true, hint: t(lang, 'region.timezone_hint') })}
          ${f('default_radius_km', { type: 'number', required: true, attrs: { min: 1, max: 500, step: 'any' } })}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'region.section_brand')}</legend>
          ${pc.region.logo_path ? html`<p>${t(lang, 'region.logo_current')} : <img src=${pc.region.logo_path} alt="" height="48" /></p>` : null}
          ${Field({ name: 'logo', type: 'file', label: t(lang, 'region.field_logo'), hint: t(lang, 'region.logo_hint'), errors, attrs: { accept: 'image/jpeg,image/png,image/webp' } })}
          ${f('primary_color', { hint: t(lang, 'region.colour_hint') })}
          ${f('accent_color', { hint: t(lang, 'region.colour_hint') })}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'region.section_contact')}</legend>
          ${f('contact_email', { type: 'email', autocomplete: 'email' })}
          ${f('contact_phone', { type: 'tel' })}
          ${f('contact_address')}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'region.section_legal')}</legend>
          <p class="hint">${t(lang, 'region.legal_hint')}</p>
          ${area('terms_fr')} ${area('terms_en')} ${area('privacy_fr')} ${area('privacy_en')}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'small_supplier.region_section')}</legend>
          <p class="hint">${t(lang, 'small_supplier.region_hint')}</p>
          ${Select({
            name: 'platform_tax_collection',
            label: t(lang, 'small_supplier.field_platform_tax_collection'),
            value: v.platform_tax_collection,
            errors,
            options: (['none', 'qst', 'qst_gst'] as const).map((c) => ({
              value: c,
              label: t(lang, `small_supplier.collection_${c}`),
            })),
          })}
          ${(['platform_legal_name', 'platform_gst_number', 'platform_qst_number'] as const).map((name) =>
            Field({ name, label: t(lang, `small_supplier.field_${name}`), value: v[name], errors }),
          )}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'region.section_card_payments')}</legend>
          ${Field({
            name: 'platform_fee_percent',
            label: t(lang, 'region.field_platform_fee_percent'),
            value: v.platform_fee_percent,
            hint: t(lang, 'region.platform_fee_hint'),
            errors,
            attrs: { inputmode: 'decimal', maxlength: 8 },
          })}
        </fieldset>
        <button type="submit">${t(lang, 'region.save')}</button>
      </form>
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      errors ? 400 : 200,
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    const path = adminRegionPath(lang);
    app.get(path, { schema: { hide: true, querystring: pageQuery } }, async (req, reply) => {
      await requireRegionAdmin(req, ctx);
      // The form edits what is stored now, not a cached copy.
      const { saved } = req.query as z.infer<typeof pageQuery>;
      return render(
        req,
        reply,
        lang,
        valuesOf(await loadRegion(db), lang, ctx.config.PLATFORM_FEE_PERCENT),
        undefined,
        saved === '1',
      );
    });

    app.post(
      path,
      { schema: { hide: true, body: regionForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const form = req.body as z.infer<typeof regionForm>;
        const current = await loadRegion(db);
        const submitted = {
          ...Object.fromEntries(TEXT_FIELDS.map((k) => [k, form[k]])),
          ...Object.fromEntries(
            TAX_FIELDS.map((k) => [
              k,
              form[k] ?? valuesOf(current, lang, ctx.config.PLATFORM_FEE_PERCENT)[k],
            ]),
          ),
        } as FormValues;
        const patch: RegionPatch = { ...submitted };
        // No fee in the post: the stored setting stays as it is (never set stays unset).
        if (form.platform_fee_percent === undefined) delete patch.platform_fee_percent;
        // An empty file part is "no new logo".
        const logo = form.logo && form.logo.length > 0 ? form.logo : undefined;
        try {
          await setRegion(db, patch, logo ? { logo: { data: logo, dataDir: ctx.config.dataDir } } : {});
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          return render(req, reply, lang, submitted, issuesToErrors(lang, err.issues));
        }
        req.log.info({ event: 'region_settings_updated', by: user.id }, 'region settings updated');
        return reply.redirect(`${path}?saved=1`, 303);
      },
    );
  }
}
