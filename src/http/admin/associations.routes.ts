import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatMoney, t, tp } from '../../i18n/index.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import {
  createAssociation,
  getAssociationBySlug,
  inviteMember,
  isActiveMember,
  listAssociations,
  listMembers,
  type MemberStatus,
  removeMember,
  setMemberStatus,
  updateShowcase,
} from '../../modules/associations/index.ts';
import {
  createCampaign,
  createPromoCode,
  getCampaign,
  listCampaigns,
  listPromoCodes,
} from '../../modules/campaigns/index.ts';
import { setParticipation } from '../../modules/giftcards/index.ts';
import { campaignFigures } from '../../modules/impact/index.ts';
import { adminScope, requireAnyAdmin, requireAssociationAdmin, requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { translateIssues } from '../errors.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors, Notice } from '../merchant/forms.ts';
import { bo } from '../merchant/layout.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';

const slugParams = z.object({ slug: z.string().min(1).max(80) });
const memberParams = z.object({
  slug: z.string().min(1).max(80),
  merchantId: z.coerce.number().int().positive(),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });
const form = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const str = (v: unknown) => (Array.isArray(v) ? String(v[0] ?? '') : String(v ?? '')).trim();
const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]).map(String);
const ids = (v: unknown) =>
  list(v)
    .flatMap((s) => s.split(/[\s,;]+/))
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
/** A date field (YYYY-MM-DD, local day) or a full ISO time. */
const dayOrIso = (v: string, endOfDay = false) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T${endOfDay ? '23:59:59' : '00:00:00'}-05:00` : v;

export const adminBase = (lang: Lang) => `/${lang}/admin`;

/**
 * Governance: region admins manage every association and the regional campaigns; an association
 * admin manages only its own association (showcase, members, campaigns, figures). Every handler
 * checks the role for the association named in the URL, and every write is scoped by that
 * association's id, so an Aylmer admin gets 403 on Chelsea's URLs and 404 for a Chelsea merchant
 * under Aylmer's URL.
 */
export default async function adminAssociationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function loadAssociation(req: FastifyRequest, slug: string) {
    const a = await getAssociationBySlug(db, slug);
    if (!a) {
      await requireAnyAdmin(req, ctx);
      throw notFound('association');
    }
    const user = await requireAssociationAdmin(req, ctx, a.id);
    return { a, user };
  }

  function errorsOf(lang: Lang, err: unknown) {
    if (err instanceof ValidationError)
      return translateIssues(lang, err.issues).map((i) => `${i.field}: ${i.message}`);
    if (err instanceof AppError && err.status < 500) return [t(lang, err.messageKey, err.params)];
    throw err;
  }
  const Errors = (errs: string[] | undefined) =>
    errs?.length
      ? html`<div class="notice error" role="alert"><ul>${errs.map((e) => html`<li>${e}</li>`)}</ul></div>`
      : null;

  async function associationPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    slug: string,
    opts: { errors?: string[]; done?: string; status?: number } = {},
  ) {
    const { a, user } = await loadAssociation(req, slug);
    const regionAdmin = adminScope(user).all;
    const [members, campaigns, accepting] = await Promise.all([
      listMembers(db, a.id),
      listCampaigns(db, { associationIds: [a.id] }),
      db.selectFrom('gift_card_merchants').select('merchant_id').execute(),
    ]);
    const acceptSet = new Set(accepting.map((r) => r.merchant_id));
    const pc = await pageContext(req, reply, ctx, lang, {
      title: `${t(lang, 'admin_assoc.title')} · ${a.name}`,
    });
    const token = reply.generateCsrf();
    const base = `${adminBase(lang)}/associations/${a.slug}`;
    const body = html`<section class="admin">
      <p><a href=${`${adminBase(lang)}/associations`}>${t(lang, 'admin_assoc.all')}</a> · <a href=${`/${lang}/a/${a.slug}`}>${t(lang, 'admin_assoc.view_showcase')}</a> · <a href=${`${adminBase(lang)}/impact?association=${a.slug}`}>${t(lang, 'admin_assoc.figures')}</a> · <a href=${`${adminBase(lang)}/gift-cards?association=${a.slug}`}>${t(lang, 'giftcard.title')}</a></p>
      <h1>${a.name}</h1>
      ${Notice(opts.done ? t(lang, 'admin_assoc.saved') : undefined)} ${Errors(opts.errors)}
      <h2 id="mem-h">${t(lang, 'association.members')}</h2>
      <table class="data" aria-labelledby="mem-h">
        <thead><tr><th scope="col">${t(lang, 'giftcard.merchant')}</th><th scope="col">${t(lang, 'admin_assoc.membership')}</th><th scope="col">${t(lang, 'admin_assoc.accepts_card')}</th><th scope="col">${t(lang, 'admin_assoc.actions')}</th></tr></thead>
        <tbody>
          ${members.map(
            (m) => html`<tr data-member=${m.id}>
              <th scope="row"><a href=${`/${lang}/m/${m.slug}`}>${m.display_name}</a></th>
              <td><span class=${`badge s-${m.status}`}>${t(lang, m.status === 'invited' ? 'membership.status_invited_admin' : `admin_assoc.status_${m.status}`)}</span></td>
              <td>${t(lang, acceptSet.has(m.id) ? 'admin_assoc.yes' : 'admin_assoc.no')}</td>
              <td>
                ${(['active', 'suspended'] as MemberStatus[])
                  // An invitation is the merchant's to accept; only a region admin may settle it.
                  .filter((s) => s !== m.status && (m.status !== 'invited' || regionAdmin))
                  .map(
                    (s) => html`<form method="post" action=${`${base}/members/${m.id}`} class="inline">
                      ${Csrf(token)}<input type="hidden" name="status" value=${s} />
                      <button type="submit">${t(lang, `admin_assoc.action_${s}`)} <span class="sr">${m.display_name}</span></button>
                    </form>`,
                  )}
                ${
                  m.status === 'active'
                    ? html`<form method="post" action=${`${base}/giftcard/${m.id}`} class="inline">
                        ${Csrf(token)}<input type="hidden" name="accepts" value=${acceptSet.has(m.id) ? '0' : '1'} />
                        <button type="submit">${t(lang, acceptSet.has(m.id) ? 'admin_assoc.card_stop' : 'admin_assoc.card_start')} <span class="sr">${m.display_name}</span></button>
                      </form>`
                    : null
                }
                <form method="post" action=${`${base}/members/${m.id}/remove`} class="inline" data-confirm=${t(lang, 'membership.confirm_remove')}>
                  ${Csrf(token)}
                  <button type="submit">${t(lang, m.status === 'invited' ? 'membership.withdraw' : 'membership.remove')} <span class="sr">${m.display_name}</span></button>
                </form>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      <form method="post" action=${`${base}/invite`}>
        ${Csrf(token)}
        <label for="inv">${t(lang, 'admin_assoc.invite_label')}</label>
        <input id="inv" name="merchant" required aria-describedby="inv-hint" />
        <p class="hint" id="inv-hint">${t(lang, 'membership.invite_hint')}</p>
        <button type="submit">${t(lang, 'admin_assoc.invite')}</button>
      </form>

      <h2>${t(lang, 'admin_assoc.showcase')}</h2>
      <form method="post" action=${`${base}/showcase`}>
        ${Csrf(token)}
        <label for="s-name">${t(lang, 'admin_assoc.name')}</label><input id="s-name" name="name" value=${a.name} required />
        <label for="s-short">${t(lang, 'admin_assoc.short_name')}</label><input id="s-short" name="short_name" value=${a.short_name} required />
        <label for="s-dfr">${t(lang, 'admin_assoc.description_fr')}</label><textarea id="s-dfr" name="description_fr" rows="4">${a.description_fr}</textarea>
        <label for="s-den">${t(lang, 'admin_assoc.description_en')}</label><textarea id="s-den" name="description_en" rows="4">${a.description_en}</textarea>
        <label for="s-pc">${t(lang, 'admin_assoc.primary_color')}</label><input id="s-pc" name="primary_color" type="color" value=${a.primary_color} />
        <label for="s-ac">${t(lang, 'admin_assoc.accent_color')}</label><input id="s-ac" name="accent_color" type="color" value=${a.accent_color} />
        <label for="s-logo">${t(lang, 'admin_assoc.logo_url')}</label><input id="s-logo" name="logo_url" value=${a.logo_url ?? ''} />
        <label for="s-web">${t(lang, 'admin_assoc.website')}</label><input id="s-web" name="website" type="url" value=${a.website ?? ''} />
        <button type="submit">${t(lang, 'admin_assoc.save')}</button>
      </form>

      <h2>${t(lang, 'admin_assoc.campaigns')}</h2>
      <ul>${campaigns.map((c) => html`<li><a href=${`${adminBase(lang)}/campaigns/${c.id}`}>${lang === 'fr' ? c.title_fr : c.title_en}</a> (${c.starts_at.slice(0, 10)} → ${c.ends_at.slice(0, 10)})</li>`)}</ul>
      ${CampaignForm(
        lang,
        token,
        `${base}/campaigns`,
        members.filter((m) => m.status === 'active'),
      )}
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      opts.status ?? 200,
    );
  }

  function CampaignForm(
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

  function campaignFromForm(b: Record<string, unknown>, associationId: number | null) {
    const banner = str(b.banner_url);
    return {
      association_id: associationId,
      title_fr: str(b.title_fr),
      title_en: str(b.title_en),
      body_fr: str(b.body_fr),
      body_en: str(b.body_en),
      starts_at: dayOrIso(str(b.starts_at)),
      ends_at: dayOrIso(str(b.ends_at), true),
      banner_url: banner || null,
      merchant_ids: ids(b.merchant_ids),
      product_ids: ids(b.product_ids),
    };
  }

  for (const lang of ['fr', 'en'] as Lang[]) {
    const base = `${adminBase(lang)}/associations`;

    /** The list of associations, and for region admins the creation form (with its errors). */
    async function listPage(
      req: FastifyRequest,
      reply: FastifyReply,
      opts: { errors?: FieldErrors; values?: Record<string, string> } = {},
    ) {
      const user = await requireAnyAdmin(req, ctx);
      const scope = adminScope(user);
      const all = await listAssociations(db);
      const mine = scope.all ? all : all.filter((a) => scope.associationIds.includes(a.id));
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'admin_assoc.title') });
      const token = reply.generateCsrf();
      const v = opts.values ?? {};
      const e = opts.errors;
      const body = html`<section class="admin">
        <h1>${t(lang, 'admin_assoc.title')}</h1>
        <p><a href=${`${adminBase(lang)}/campaigns`}>${t(lang, 'admin_assoc.campaigns')}</a> · <a href=${`${adminBase(lang)}/gift-cards`}>${t(lang, 'giftcard.title')}</a> · <a href=${`${adminBase(lang)}/impact`}>${t(lang, 'admin_assoc.figures')}</a></p>
        <ul>${mine.map((a) => html`<li><a href=${`${base}/${a.slug}`}>${a.name}</a> — ${tp(lang, 'home.members_n', Number(a.member_count))}</li>`)}</ul>
        ${
          scope.all
            ? html`<form method="post" action=${base} novalidate>
                <h2>${t(lang, 'admin_assoc.new')}</h2>
                ${ErrorSummary(lang, e)}
                ${Csrf(token)}
                ${Field({ name: 'slug', label: t(lang, 'admin_assoc.slug'), value: v.slug, errors: e, required: true, attrs: { pattern: '[a-z0-9-]+' } })}
                ${Field({ name: 'name', label: t(lang, 'admin_assoc.name'), value: v.name, errors: e, required: true })}
                ${Field({ name: 'short_name', label: t(lang, 'admin_assoc.short_name'), value: v.short_name, errors: e, required: true })}
                <div class=${e?.towns ? 'field has-error' : 'field'}>
                  <label for="f-towns">${t(lang, 'membership.towns')}<span aria-hidden="true"> *</span></label>
                  <p class="hint" id="f-towns-hint">${t(lang, 'membership.towns_hint')}</p>
                  <textarea id="f-towns" name="towns" rows="3" required aria-invalid=${e?.towns ? 'true' : undefined} aria-describedby=${e?.towns ? 'f-towns-hint f-towns-error' : 'f-towns-hint'}>${v.towns ?? ''}</textarea>
                  ${e?.towns ? html`<p class="field-error" id="f-towns-error" role="alert">${e.towns}</p>` : null}
                </div>
                ${Field({ name: 'center_lat', label: t(lang, 'membership.center_lat'), hint: t(lang, 'membership.center_hint'), value: v.center_lat, errors: e, required: true, attrs: { inputmode: 'decimal' } })}
                ${Field({ name: 'center_lng', label: t(lang, 'membership.center_lng'), value: v.center_lng, errors: e, required: true, attrs: { inputmode: 'decimal' } })}
                <label for="n-pc">${t(lang, 'admin_assoc.primary_color')}</label><input id="n-pc" name="primary_color" type="color" value=${v.primary_color || '#1d4f91'} />
                <label for="n-ac">${t(lang, 'admin_assoc.accent_color')}</label><input id="n-ac" name="accent_color" type="color" value=${v.accent_color || '#ffffff'} />
                <button type="submit">${t(lang, 'admin_assoc.create')}</button>
              </form>`
            : null
        }
      </section>`;
      return sendHtml(
        reply.header('cache-control', 'no-store'),
        renderDocument(Layout(pc, body)),
        e ? 400 : 200,
      );
    }

    app.get(base, { schema: { hide: true } }, (req, reply) => listPage(req, reply));

    app.post(
      base,
      { schema: { hide: true, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const b = req.body as Record<string, unknown>;
        const values = Object.fromEntries(
          [
            'slug',
            'name',
            'short_name',
            'towns',
            'center_lat',
            'center_lng',
            'primary_color',
            'accent_color',
          ].map((k) => [k, k === 'towns' ? list(b.towns).join('\n').trim() : str(b[k])]),
        );
        let created: { id: number; slug: string };
        try {
          created = await createAssociation(db, values);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          return listPage(req, reply, { errors: issuesToErrors(lang, err.issues), values });
        }
        req.log.info(
          { event: 'association_created', slug: created.slug, by: user.id },
          'association created',
        );
        return reply.redirect(`${base}/${created.slug}`, 303);
      },
    );

    app.get(`${base}/:slug`, { schema: { hide: true, params: slugParams } }, async (req, reply) => {
      const { slug } = req.params as z.infer<typeof slugParams>;
      const done = (req.query as { done?: string }).done;
      return associationPage(req, reply, lang, slug, { done });
    });

    app.post(
      `${base}/:slug/showcase`,
      { schema: { hide: true, params: slugParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const { a, user } = await loadAssociation(req, slug);
        const b = req.body as Record<string, unknown>;
        try {
          await updateShowcase(db, a.id, {
            name: str(b.name),
            short_name: str(b.short_name),
            description_fr: str(b.description_fr),
            description_en: str(b.description_en),
            primary_color: str(b.primary_color),
            accent_color: str(b.accent_color),
            logo_url: str(b.logo_url),
            website: str(b.website),
          });
        } catch (err) {
          return associationPage(req, reply, lang, slug, { errors: errorsOf(lang, err), status: 400 });
        }
        req.log.info({ event: 'showcase_updated', association: a.slug, by: user.id }, 'showcase updated');
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/members/:merchantId`,
      { schema: { hide: true, params: memberParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug, merchantId } = req.params as z.infer<typeof memberParams>;
        const { a, user } = await loadAssociation(req, slug);
        const status = str((req.body as Record<string, unknown>).status) as MemberStatus;
        await setMemberStatus(db, a.id, merchantId, status, { regionAdmin: adminScope(user).all });
        req.log.info(
          { event: 'member_status', association: a.slug, merchant_id: merchantId, status, by: user.id },
          'member status changed',
        );
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/members/:merchantId/remove`,
      { schema: { hide: true, params: memberParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug, merchantId } = req.params as z.infer<typeof memberParams>;
        const { a, user } = await loadAssociation(req, slug);
        await removeMember(db, a.id, merchantId);
        req.log.info(
          { event: 'member_removed', association: a.slug, merchant_id: merchantId, by: user.id },
          'member removed from the association',
        );
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/invite`,
      { schema: { hide: true, params: slugParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const { a, user } = await loadAssociation(req, slug);
        try {
          const inv = await inviteMember(db, a.id, str((req.body as Record<string, unknown>).merchant));
          req.log.info(
            { event: 'member_invited', association: a.slug, merchant_id: inv.id, by: user.id },
            'member invited',
          );
          // The owners decide: the invitation waits in their back-office.
          for (const o of inv.owners)
            await ctx.mailer.send({
              to: o.email,
              lang: o.locale,
              kind: 'association_invitation',
              subject: t(o.locale, 'membership.mail_subject', { association: a.name }),
              text: t(o.locale, 'membership.mail_body', {
                association: a.name,
                name: inv.display_name,
                path: bo(o.locale, 'memberships'),
              }),
            });
        } catch (err) {
          return associationPage(req, reply, lang, slug, { errors: errorsOf(lang, err), status: 400 });
        }
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/giftcard/:merchantId`,
      { schema: { hide: true, params: memberParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug, merchantId } = req.params as z.infer<typeof memberParams>;
        const { a, user } = await loadAssociation(req, slug);
        // Only an active member is in the association's scope (an invitation gives none).
        if (!(await isActiveMember(db, a.id, merchantId))) throw notFound('member');
        const accepts = str((req.body as Record<string, unknown>).accepts) === '1';
        await setParticipation(db, merchantId, accepts);
        req.log.info(
          { event: 'gift_card_participation', merchant_id: merchantId, accepts, by: user.id },
          'gift card participation',
        );
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/campaigns`,
      { schema: { hide: true, params: slugParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const { a, user } = await loadAssociation(req, slug);
        let created: { id: number };
        try {
          created = await createCampaign(db, campaignFromForm(req.body as Record<string, unknown>, a.id));
        } catch (err) {
          return associationPage(req, reply, lang, slug, { errors: errorsOf(lang, err), status: 400 });
        }
        req.log.info({ event: 'campaign_created', campaign_id: created.id, by: user.id }, 'campaign created');
        return reply.redirect(`${adminBase(lang)}/campaigns/${created.id}`, 303);
      },
    );

    // ------------------------------------------------------------ campaigns
    const cbase = `${adminBase(lang)}/campaigns`;

    async function campaignAccess(req: FastifyRequest, id: number) {
      const c = await getCampaign(db, id);
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

    app.get(cbase, { schema: { hide: true } }, async (req, reply) => {
      const user = await requireAnyAdmin(req, ctx);
      const scope = adminScope(user);
      const rows = await listCampaigns(db, { associationIds: scope.all ? 'all' : scope.associationIds });
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'admin_assoc.campaigns') });
      const token = reply.generateCsrf();
      const body = html`<section class="admin">
        <h1>${t(lang, 'admin_assoc.campaigns')}</h1>
        <table class="data"><thead><tr><th scope="col">${t(lang, 'admin_assoc.campaign')}</th><th scope="col">${t(lang, 'admin_assoc.owner')}</th><th scope="col">${t(lang, 'admin_assoc.starts')}</th><th scope="col">${t(lang, 'admin_assoc.ends')}</th></tr></thead>
          <tbody>${rows.map((c) => html`<tr><th scope="row"><a href=${`${cbase}/${c.id}`}>${lang === 'fr' ? c.title_fr : c.title_en}</a></th><td>${c.association_name ?? t(lang, 'campaign.regional')}</td><td>${c.starts_at.slice(0, 10)}</td><td>${c.ends_at.slice(0, 10)}</td></tr>`)}</tbody>
        </table>
        ${scope.all ? CampaignForm(lang, token, cbase, []) : null}
      </section>`;
      return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
    });

    app.post(
      cbase,
      { schema: { hide: true, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const created = await createCampaign(db, campaignFromForm(req.body as Record<string, unknown>, null));
        req.log.info(
          { event: 'campaign_created', campaign_id: created.id, by: user.id },
          'regional campaign created',
        );
        return reply.redirect(`${cbase}/${created.id}`, 303);
      },
    );

    async function campaignPage(req: FastifyRequest, reply: FastifyReply, id: number, errors?: string[]) {
      const { c } = await campaignAccess(req, id);
      const [figures, codes] = await Promise.all([campaignFigures(db, c.id), listPromoCodes(db, c.id)]);
      const title = lang === 'fr' ? c.title_fr : c.title_en;
      const pc = await pageContext(req, reply, ctx, lang, { title });
      const token = reply.generateCsrf();
      const body = html`<section class="admin">
        <p><a href=${cbase}>${t(lang, 'admin_assoc.campaigns')}</a> · <a href=${`/${lang}/${lang === 'fr' ? 'campagnes' : 'campaigns'}/${c.slug}`}>${t(lang, 'campaign.see')}</a></p>
        <h1>${title}</h1>
        ${Errors(errors)}
        <h2>${t(lang, 'admin_assoc.figures')}</h2>
        <dl class="figures">
          <dt>${t(lang, 'admin_assoc.visits')}</dt><dd data-figure="visits">${figures?.visits ?? 0}</dd>
          <dt>${t(lang, 'impact.orders')}</dt><dd data-figure="orders">${figures?.orders ?? 0}</dd>
          <dt>${t(lang, 'impact.sales')}</dt><dd data-figure="sales">${formatMoney(figures?.sales_cents ?? 0, lang)}</dd>
          <dt>${t(lang, 'admin_assoc.promo_uses')}</dt><dd data-figure="promo_uses">${figures?.promo_uses ?? 0}</dd>
          <dt>${t(lang, 'campaign.promo_orders')}</dt><dd data-figure="promo_orders">${figures?.promo_orders ?? 0}</dd>
          <dt>${t(lang, 'campaign.promo_sales')}</dt><dd data-figure="promo_sales">${formatMoney(figures?.promo_sales_cents ?? 0, lang)}</dd>
          <dt>${t(lang, 'campaign.promo_discounts')}</dt><dd data-figure="promo_discounts">${formatMoney(figures?.promo_discount_cents ?? 0, lang)}</dd>
        </dl>
        <p><small>${t(lang, 'admin_assoc.figures_note')}</small></p>
        <h2>${t(lang, 'admin_assoc.codes')}</h2>
        <table class="data"><thead><tr><th scope="col">Code</th><th scope="col">${t(lang, 'admin_assoc.value')}</th><th scope="col">${t(lang, 'admin_assoc.uses')}</th></tr></thead>
          <tbody>${codes.map((p) => html`<tr><th scope="row">${p.code}</th><td>${p.kind === 'percent' ? `${p.value} %` : formatMoney(p.value, lang)}${p.merchant_id ? ` (#${p.merchant_id})` : ''}</td><td>${p.uses}${p.max_uses ? ` / ${p.max_uses}` : ''}</td></tr>`)}</tbody>
        </table>
        <form method="post" action=${`${cbase}/${c.id}/codes`}>
          ${Csrf(token)}
          <label for="p-code">Code</label><input id="p-code" name="code" required />
          <label for="p-kind">${t(lang, 'admin_assoc.kind')}</label>
          <select id="p-kind" name="kind"><option value="percent">%</option><option value="amount">${t(lang, 'admin_assoc.kind_amount')}</option></select>
          <label for="p-value">${t(lang, 'admin_assoc.value_hint')}</label><input id="p-value" name="value" inputmode="decimal" required />
          <label for="p-min">${t(lang, 'admin_assoc.min_subtotal')}</label><input id="p-min" name="min_subtotal" inputmode="decimal" />
          <label for="p-max">${t(lang, 'admin_assoc.max_uses')}</label><input id="p-max" name="max_uses" inputmode="numeric" />
          <label for="p-merchant">${t(lang, 'admin_assoc.code_merchant')}</label><input id="p-merchant" name="merchant_id" inputmode="numeric" />
          <button type="submit">${t(lang, 'admin_assoc.add_code')}</button>
        </form>
      </section>`;
      return sendHtml(
        reply.header('cache-control', 'no-store'),
        renderDocument(Layout(pc, body)),
        errors ? 400 : 200,
      );
    }

    app.get(`${cbase}/:id`, { schema: { hide: true, params: idParams } }, async (req, reply) => {
      const { id } = req.params as z.infer<typeof idParams>;
      return campaignPage(req, reply, id);
    });

    app.post(
      `${cbase}/:id/codes`,
      { schema: { hide: true, params: idParams, body: form }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { id } = req.params as z.infer<typeof idParams>;
        const { c, user } = await campaignAccess(req, id);
        const b = req.body as Record<string, unknown>;
        const kind = str(b.kind) === 'amount' ? 'amount' : 'percent';
        const num = (s: string) => (s === '' ? undefined : Number(s.replace(',', '.')));
        const value = num(str(b.value));
        try {
          await createPromoCode(db, c.id, {
            code: str(b.code),
            kind,
            value: value === undefined ? Number.NaN : kind === 'amount' ? Math.round(value * 100) : value,
            min_subtotal_cents: Math.round((num(str(b.min_subtotal)) ?? 0) * 100),
            max_uses: num(str(b.max_uses)) ?? null,
            merchant_id: num(str(b.merchant_id)) ?? null,
          });
        } catch (err) {
          return campaignPage(req, reply, id, errorsOf(lang, err));
        }
        req.log.info({ event: 'promo_code_created', campaign_id: c.id, by: user.id }, 'promo code created');
        return reply.redirect(`${cbase}/${c.id}`, 303);
      },
    );
  }
}
