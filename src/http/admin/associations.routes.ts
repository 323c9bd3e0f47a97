import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t, tp } from '../../i18n/index.ts';
import { notFound, ValidationError } from '../../lib/errors.ts';
import { usersWithRoles } from '../../modules/accounts/index.ts';
import {
  createAssociation,
  inviteMember,
  isActiveMember,
  listAssociations,
  type MemberStatus,
  removeMember,
  setMemberStatus,
  updateShowcase,
} from '../../modules/associations/index.ts';
import { createCampaign } from '../../modules/campaigns/index.ts';
import { setParticipation } from '../../modules/giftcards/index.ts';
import { adminScope, requireAnyAdmin, requireRegionAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors } from '../merchant/forms.ts';
import { bo } from '../merchant/layout.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import {
  adminBase,
  associationForm,
  campaignForm,
  campaignFromForm,
  emptyForm,
  errorsOf,
  giftCardForm,
  inviteForm,
  loadAssociation,
  memberParams,
  memberStatusForm,
  showcaseForm,
  slugParams,
  townsText,
} from './association-admin.ts';
import { associationPage } from './association-page.ts';

export { adminBase } from './association-admin.ts';

/**
 * Governance: region admins manage every association and the regional campaigns; an association
 * admin manages only its own association (showcase, members, campaigns, figures). Every handler
 * checks the role for the association named in the URL, and every write is scoped by that
 * association's id, so an Aylmer admin gets 403 on Chelsea's URLs and 404 for a Chelsea merchant
 * under Aylmer's URL. Campaign screens: campaigns.routes.ts.
 */
export default async function adminAssociationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

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
      const all = await listAssociations(ctx.database.db);
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
      { schema: { hide: true, body: associationForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const b = req.body as z.infer<typeof associationForm>;
        const values: Record<string, string> = {
          slug: (b.slug ?? '').trim(),
          name: (b.name ?? '').trim(),
          short_name: (b.short_name ?? '').trim(),
          towns: townsText(b.towns),
          center_lat: (b.center_lat ?? '').trim(),
          center_lng: (b.center_lng ?? '').trim(),
          primary_color: (b.primary_color ?? '').trim(),
          accent_color: (b.accent_color ?? '').trim(),
        };
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
      return associationPage(req, reply, ctx, lang, slug, { done });
    });

    app.post(
      `${base}/:slug/showcase`,
      { schema: { hide: true, params: slugParams, body: showcaseForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const { a, user } = await loadAssociation(req, ctx, slug);
        const b = req.body as z.infer<typeof showcaseForm>;
        const s = (v: string | undefined) => (v ?? '').trim();
        try {
          await updateShowcase(db, a.id, {
            name: s(b.name),
            short_name: s(b.short_name),
            description_fr: s(b.description_fr),
            description_en: s(b.description_en),
            primary_color: s(b.primary_color),
            accent_color: s(b.accent_color),
            logo_url: s(b.logo_url),
            website: s(b.website),
          });
        } catch (err) {
          return associationPage(req, reply, ctx, lang, slug, { errors: errorsOf(lang, err), status: 400 });
        }
        req.log.info({ event: 'showcase_updated', association: a.slug, by: user.id }, 'showcase updated');
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/members/:merchantId`,
      {
        schema: { hide: true, params: memberParams, body: memberStatusForm },
        preHandler: app.csrfProtection,
      },
      async (req, reply) => {
        const { slug, merchantId } = req.params as z.infer<typeof memberParams>;
        const { a, user } = await loadAssociation(req, ctx, slug);
        // setMemberStatus refuses a status outside the actor's allowed set (422 on `status`).
        const status = (req.body as z.infer<typeof memberStatusForm>).status as MemberStatus;
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
      { schema: { hide: true, params: memberParams, body: emptyForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug, merchantId } = req.params as z.infer<typeof memberParams>;
        const { a, user } = await loadAssociation(req, ctx, slug);
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
      { schema: { hide: true, params: slugParams, body: inviteForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const { a, user } = await loadAssociation(req, ctx, slug);
        try {
          const inv = await inviteMember(db, a.id, (req.body as z.infer<typeof inviteForm>).merchant);
          req.log.info(
            { event: 'member_invited', association: a.slug, merchant_id: inv.id, by: user.id },
            'member invited',
          );
          // The owners decide: the invitation waits in their back-office.
          const owners = await usersWithRoles(db, { roles: ['merchant_owner'], merchantId: inv.id });
          for (const o of owners)
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
          return associationPage(req, reply, ctx, lang, slug, { errors: errorsOf(lang, err), status: 400 });
        }
        return reply.redirect(`${base}/${a.slug}?done=1`, 303);
      },
    );

    app.post(
      `${base}/:slug/giftcard/:merchantId`,
      { schema: { hide: true, params: memberParams, body: giftCardForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug, merchantId } = req.params as z.infer<typeof memberParams>;
        const { a, user } = await loadAssociation(req, ctx, slug);
        // Only an active member is in the association's scope (an invitation gives none).
        if (!(await isActiveMember(db, a.id, merchantId))) throw notFound('member');
        const accepts = (req.body as z.infer<typeof giftCardForm>).accepts.trim() === '1';
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
      { schema: { hide: true, params: slugParams, body: campaignForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const { slug } = req.params as z.infer<typeof slugParams>;
        const { a, user } = await loadAssociation(req, ctx, slug);
        let created: { id: number };
        try {
          created = await createCampaign(
            db,
            campaignFromForm(req.body as z.infer<typeof campaignForm>, a.id),
          );
        } catch (err) {
          return associationPage(req, reply, ctx, lang, slug, { errors: errorsOf(lang, err), status: 400 });
        }
        req.log.info({ event: 'campaign_created', campaign_id: created.id, by: user.id }, 'campaign created');
        return reply.redirect(`${adminBase(lang)}/campaigns/${created.id}`, 303);
      },
    );
  }
}
