/**
 * Shared pieces of the association and campaign admin screens (associations.routes.ts,
 * campaigns.routes.ts): typed form bodies, the access checks, error lists and the campaign form.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { findAssociationBySlug } from '../../modules/associations/index.ts';
import type { CampaignInput } from '../../modules/campaigns/index.ts';
import { getCampaign } from '../../modules/campaigns/index.ts';
import { requireAnyAdmin, requireAssociationAdmin, requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { translateIssues } from '../errors.ts';
import { Csrf } from '../merchant/forms.ts';
import { html } from '../pages/html.ts';

export const adminBase = (lang: Lang) => `/${lang}/admin`;

export const slugParams = z.object({ slug: z.string().min(1).max(80) });
export const memberParams = z.object({
  slug: z.string().min(1).max(80),
  merchantId: z.coerce.number().int().positive(),
});
export const idParams = z.object({ id: z.coerce.number().int().positive() });

/** A text field as posted (absent when the browser sends nothing); the service validates its content. */
const text = (max = 5000) => z.string().max(max).optional();
/** A field a form may repeat (checkboxes): one value or several. */
const repeated = z.union([z.string().max(40), z.array(z.string().max(40)).max(500)]).optional();
const csrf = { _csrf: z.string().optional() };

/** New association (region admins). */
export const associationForm = z.object({
  ...csrf,
  slug: text(80),
  name: text(200),
  short_name: text(80),
  towns: z.union([z.string().max(5000), z.array(z.string().max(200)).max(100)]).optional(),
  center_lat: text(40),
  center_lng: text(40),
  primary_color: text(20),
  accent_color: text(20),
});
/** An association's showcase identity. */
export const showcaseForm = z.object({
  ...csrf,
  name: text(200),
  short_name: text(80),
  description_fr: text(),
  description_en: text(),
  primary_color: text(20),
  accent_color: text(20),
  logo_url: text(600),
  website: text(600),
});
/** A member's new status ('active' | 'suspended'; region admins may also set 'invited'). */
export const memberStatusForm = z.object({ ...csrf, status: z.string().trim().max(20).default('') });
/** A form whose only field is the CSRF token (remove a member). */
export const emptyForm = z.object(csrf);
/** Invite a merchant by its slug. */
export const inviteForm = z.object({ ...csrf, merchant: z.string().max(120).default('') });
/** Accept the gift card at a member ('1') or stop ('0'). */
export const giftCardForm = z.object({ ...csrf, accepts: z.string().max(5).default('') });
/** A new campaign: text, period (dates or ISO times), banner, featured merchants and product ids. */
export const campaignForm = z.object({
  ...csrf,
  title_fr: text(200),
  title_en: text(200),
  body_fr: text(),
  body_en: text(),
  starts_at: text(40),
  ends_at: text(40),
  banner_url: text(600),
  merchant_ids: repeated,
  product_ids: z.union([z.string().max(4000), z.array(z.string().max(4000)).max(500)]).optional(),
});
/** A new promo code: amounts typed in dollars (decimal point or comma). */
export const promoForm = z.object({
  ...csrf,
  code: text(60),
  kind: text(20),
  value: text(20),
  min_subtotal: text(20),
  max_uses: text(20),
  merchant_id: text(20),
});

const list = (v: string | string[] | undefined) =>
  Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v];
/** Positive integer ids from one or several fields, each possibly a list separated by spaces, commas or semicolons. */
const ids = (v: string | string[] | undefined) =>
  list(v)
    .flatMap((s) => s.split(/[\s,;]+/))
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
/** A date field (YYYY-MM-DD, local day) or a full ISO time. */
const dayOrIso = (v: string, endOfDay = false) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T${endOfDay ? '23:59:59' : '00:00:00'}-05:00` : v;

/** The towns field as one text (checkbox-like repeats joined by lines). */
export const townsText = (v: string | string[] | undefined) => list(v).join('\n').trim();

/** What `createCampaign` takes, from the campaign form. */
export function campaignFromForm(
  b: z.infer<typeof campaignForm>,
  associationId: number | null,
): CampaignInput {
  const s = (v: string | undefined) => (v ?? '').trim();
  return {
    association_id: associationId,
    title_fr: s(b.title_fr),
    title_en: s(b.title_en),
    body_fr: s(b.body_fr),
    body_en: s(b.body_en),
    starts_at: dayOrIso(s(b.starts_at)),
    ends_at: dayOrIso(s(b.ends_at), true),
    banner_url: s(b.banner_url) || null,
    merchant_ids: ids(b.merchant_ids),
    product_ids: ids(b.product_ids),
  };
}

/** The association named in the URL, after checking the user administers it (403) or it exists (404). */
export async function loadAssociation(req: FastifyRequest, ctx: AppContext, slug: string) {
  const a = await findAssociationBySlug(ctx.database.db, slug);
  if (!a) {
    await requireAnyAdmin(req, ctx);
    throw notFound('association');
  }
  const user = await requireAssociationAdmin(req, ctx, a.id);
  return { a, user };
}

/** The campaign, after checking the user may manage it: region admins for regional ones, else its association's admins. */
export async function campaignAccess(req: FastifyRequest, ctx: AppContext, id: number) {
  const c = await getCampaign(ctx.database.db, id);
  if (!c) {
    await requireAnyAdmin(req, ctx);
    throw notFound('campaign');
  }
  const user =
    c.association_id === null
      ? await requireRegionAdmin(req, ctx)
      : await requireAssociationAdmin(req, ctx, c.association_id);
  return { c, user };
}

/** A form's refusal as translated lines; server errors are rethrown. */
export function errorsOf(lang: Lang, err: unknown) {
  if (err instanceof ValidationError)
    return translateIssues(lang, err.issues).map((i) => `${i.field}: ${i.message}`);
  if (err instanceof AppError && err.status < 500) return [t(lang, err.messageKey, err.params)];
  throw err;
}

export const Errors = (errs: string[] | undefined) =>
  errs?.length
    ? html`<div class="notice error" role="alert"><ul>${errs.map((e) => html`<li>${e}</li>`)}</ul></div>`
    : null;

/** The new-campaign form; `members` are the featurable merchants (none for a regional campaign). */
export function CampaignForm(
  lang: Lang,
  token: string,
  action: string,
  members: { id: number; display_name: string }[],
) {
  return html`<form method="post" action=${action} class="campaign-form">
    <h3>${t(lang, 'admin_assoc.new_campaign')}</h3>
    ${Csrf(token)}
    <label for="c-tfr">${t(lang, 'admin_assoc.title_fr')}</label><input id="c-tfr" name="title_fr" required />
    <label for="c-ten">${t(lang, 'admin_assoc.title_en')}</label><input id="c-ten" name="title_en" required />
    <label for="c-bfr">${t(lang, 'admin_assoc.body_fr')}</label><textarea id="c-bfr" name="body_fr" rows="3"></textarea>
    <label for="c-ben">${t(lang, 'admin_assoc.body_en')}</label><textarea id="c-ben" name="body_en" rows="3"></textarea>
    <label for="c-from">${t(lang, 'admin_assoc.starts')}</label><input id="c-from" name="starts_at" type="date" required />
    <label for="c-to">${t(lang, 'admin_assoc.ends')}</label><input id="c-to" name="ends_at" type="date" required />
    <label for="c-banner">${t(lang, 'admin_assoc.banner_url')}</label><input id="c-banner" name="banner_url" />
    ${
      members.length
        ? html`<fieldset><legend>${t(lang, 'campaign.featured_merchants')}</legend>
            ${members.map((m) => html`<label><input type="checkbox" name="merchant_ids" value=${String(m.id)} /> ${m.display_name}</label> `)}
          </fieldset>`
        : null
    }
    <label for="c-prod">${t(lang, 'admin_assoc.product_ids')}</label><input id="c-prod" name="product_ids" inputmode="numeric" />
    <button type="submit">${t(lang, 'admin_assoc.create_campaign')}</button>
  </form>`;
}
