import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import { sendConfirmationEmail } from '../../modules/accounts/index.ts';
import { listAssociations } from '../../modules/associations/index.ts';
import { listMunicipalities, registerMerchant } from '../../modules/onboarding/index.ts';
import { currentFeeBps } from '../../modules/payments/index.ts';
import { listCategories } from '../../modules/region/index.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { localPath, sendHtml } from '../pages/page-context.ts';
import { baseUrl } from '../pages/signup.routes.ts';
import {
  asArray,
  Checkboxes,
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  PinMap,
  pinMapAssets,
  Select,
} from './forms.ts';

export const merchantSignupPath = (lang: Lang) =>
  localPath(lang, 'merchant', lang === 'fr' ? '/inscription' : '/signup');

type Values = Record<string, unknown>;
const text = (max = 5000) => z.string().max(max).optional();
const many = z.union([z.string().max(100), z.array(z.string().max(100)).max(100)]).optional();
/** The sign-up form as posted (the module's `merchantSignupInput` validates the values). */
const signupForm = z.object({
  businessName: text(),
  legalName: text(),
  neq: text(),
  gstNumber: text(),
  qstNumber: text(),
  taxStatus: text(),
  phone: text(),
  website: text(),
  address: text(),
  postalCode: text(),
  municipalityId: text(),
  lat: text(),
  lng: text(),
  categories: many,
  associations: many,
  ownerName: text(),
  email: text(),
  password: text(),
  _csrf: z.string().optional(),
});

export default async function onboardingRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function form(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    v: Values = {},
    errors?: FieldErrors,
  ) {
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'onboarding.title'),
      ...pinMapAssets,
    });
    const [municipalities, categories, associations] = await Promise.all([
      listMunicipalities(db),
      listCategories(db),
      listAssociations(db),
    ]);
    // Card payments' platform fee, told before the merchant joins (issue 15); only when cards are offered.
    const feeBps = ctx.config.STRIPE_SECRET_KEY
      ? await currentFeeBps(db, ctx.config.PLATFORM_FEE_PERCENT)
      : undefined;
    const s = (k: string) => (v[k] === undefined ? '' : String(v[k]));
    const f = (name: string, key: string, extra: Partial<Parameters<typeof Field>[0]> = {}) =>
      Field({ name, label: t(lang, key), value: s(name), errors, ...extra });
    const body = html`<section class="onboarding narrow">
      <h1>${t(lang, 'onboarding.title')}</h1>
      <p>${t(lang, 'onboarding.intro')}</p>
      ${
        feeBps === undefined
          ? null
          : html`<p data-platform-fee=${String(feeBps / 100)}>${t(lang, 'stripe.fee_notice', {
              percent: String(feeBps / 100).replace('.', lang === 'fr' ? ',' : '.'),
            })}</p>`
      }
      ${ErrorSummary(lang, errors)}
      <form method="post" action=${merchantSignupPath(lang)} novalidate>
        ${Csrf(reply.generateCsrf())}
        <fieldset>
          <legend>${t(lang, 'onboarding.business')}</legend>
          ${f('businessName', 'onboarding.business_name', { required: true, autocomplete: 'organization' })}
          ${f('legalName', 'onboarding.legal_name')}
          ${f('neq', 'onboarding.neq', { required: true, hint: t(lang, 'onboarding.neq_hint'), attrs: { inputmode: 'numeric' } })}
          ${Select({
            name: 'taxStatus',
            label: t(lang, 'small_supplier.tax_status'),
            hint: t(lang, 'small_supplier.tax_status_hint'),
            value: s('taxStatus') || 'registered',
            errors,
            options: [
              { value: 'registered', label: t(lang, 'small_supplier.status_registered') },
              { value: 'small_supplier', label: t(lang, 'small_supplier.status_small_supplier') },
            ],
          })}
          ${f('gstNumber', 'onboarding.gst', { hint: t(lang, 'onboarding.gst_hint') })}
          ${f('qstNumber', 'onboarding.qst', { hint: t(lang, 'onboarding.qst_hint') })}
          ${f('phone', 'onboarding.phone', { type: 'tel', autocomplete: 'tel' })}
          ${f('website', 'onboarding.website', { type: 'url', autocomplete: 'url' })}
        </fieldset>
        <fieldset>
          <legend>${t(lang, 'onboarding.address')}</legend>
          ${f('address', 'onboarding.street', { required: true, autocomplete: 'street-address' })}
          ${Select({
            name: 'municipalityId',
            label: t(lang, 'onboarding.municipality'),
            required: true,
            value: s('municipalityId'),
            errors,
            options: [
              { value: '', label: '—' },
              ...municipalities.map((m) => ({ value: m.id, label: m.name })),
            ],
          })}
          ${f('postalCode', 'onboarding.postal_code', { autocomplete: 'postal-code' })}
          <p class="hint">${t(lang, 'onboarding.pin_hint')}</p>
          ${PinMap({ label: t(lang, 'onboarding.pin_map'), tiles: ctx.config.TILE_URL, attribution: ctx.config.TILE_ATTRIBUTION, center: { lat: pc.region.center_lat, lng: pc.region.center_lng } })}
          ${f('lat', 'onboarding.lat', { attrs: { inputmode: 'decimal' } })}
          ${f('lng', 'onboarding.lng', { attrs: { inputmode: 'decimal' } })}
        </fieldset>
        ${Checkboxes({
          name: 'associations',
          legend: t(lang, 'onboarding.associations'),
          options: associations.map((a) => ({ value: a.id, label: a.name })),
          checked: asArray(v.associations),
          errors,
        })}
        ${Checkboxes({
          name: 'categories',
          legend: t(lang, 'onboarding.categories'),
          options: categories.map((c) => ({ value: c.id, label: lang === 'fr' ? c.name_fr : c.name_en })),
          checked: asArray(v.categories),
          errors,
        })}
        <fieldset>
          <legend>${t(lang, 'onboarding.owner')}</legend>
          ${f('ownerName', 'signup.name', { required: true, autocomplete: 'name' })}
          ${f('email', 'auth.email', { type: 'email', required: true, autocomplete: 'email' })}
          ${Field({ name: 'password', type: 'password', label: t(lang, 'auth.password'), hint: t(lang, 'auth.password_hint'), errors, required: true, autocomplete: 'new-password' })}
        </fieldset>
        <button type="submit">${t(lang, 'onboarding.submit')}</button>
      </form>
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      errors ? 400 : 200,
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(merchantSignupPath(lang), { schema: { hide: true } }, (req, reply) => form(req, reply, lang));
    app.post(
      merchantSignupPath(lang),
      {
        schema: { hide: true, body: signupForm },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 10, timeWindow: '10 minutes' } },
      },
      async (req, reply) => {
        const v = req.body as Values;
        const input = {
          ...v,
          categories: asArray(v.categories),
          associations: asArray(v.associations),
          locale: lang,
        };
        let created: Awaited<ReturnType<typeof registerMerchant>>;
        try {
          created = await registerMerchant(db, input);
        } catch (err) {
          if (err instanceof ValidationError) {
            const { password: _pw, ...keep } = v;
            return form(req, reply, lang, keep, issuesToErrors(lang, err.issues));
          }
          throw err;
        }
        const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'onboarding.done_title') });
        await sendConfirmationEmail(ctx, {
          userId: created.userId,
          email: created.email,
          lang,
          baseUrl: baseUrl(req, ctx),
          regionName: pc.region.name,
        });
        req.log.info({ event: 'merchant_signup', merchant_id: created.merchantId }, 'merchant signed up');
        return sendHtml(
          reply,
          renderDocument(
            Layout(
              pc,
              html`<section class="narrow">
                <h1>${t(lang, 'onboarding.done_title')}</h1>
                <p role="status">${t(lang, 'onboarding.done', { email: created.email })}</p>
              </section>`,
            ),
          ),
        );
      },
    );
  }
}
