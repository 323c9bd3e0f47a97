import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatDate, t } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import {
  apiKeyNameIssues,
  createApiKey,
  getMerchant,
  listApiKeys,
  revokeApiKey,
} from '../../modules/merchants/index.ts';
import {
  acceptInvitation,
  cancelInvitation,
  inviteStaff,
  listStaff,
  readInvitation,
  removeStaff,
} from '../../modules/onboarding/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { localPath, sendHtml } from '../pages/page-context.ts';
import { baseUrl } from '../pages/signup.routes.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors } from './forms.ts';
import { bo } from './layout.ts';
import {
  actionForm,
  csrfField,
  idParams,
  ReauthField,
  RowAction,
  reauthIssues,
  renderListCreate,
} from './page-kit.ts';

const inviteForm = z.object({ email: z.string().max(1000).default(''), ...csrfField });
const acceptForm = z.object({
  token: z.string().default(''),
  name: z.string().max(1000).default(''),
  password: z.string().max(1000).default(''),
  ...csrfField,
});
const keyForm = z.object({
  name: z.string().max(1000).default(''),
  current_password: z.string().max(1000).default(''),
  ...csrfField,
});

/** Staff accounts and API keys (owners only), and the invitation page staff follow. */
export default async function teamRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  const owner = (req: FastifyRequest) => requireMerchantRole(req, ctx, { owner: true });

  for (const lang of ['fr', 'en'] as const) {
    // ---------------------------------------------------------------- staff
    const staffPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      opts: { errors?: FieldErrors; email?: string; notice?: string } = {},
    ) => {
      const { members, pending } = await listStaff(db, access.merchantId);
      const token = reply.generateCsrf();
      return renderListCreate(req, reply, ctx, lang, access, token, {
        section: 'staff',
        title: t(lang, 'backoffice.nav_staff'),
        notice: opts.notice,
        columns: [
          t(lang, 'auth.email'),
          t(lang, 'signup.name'),
          t(lang, 'backoffice.role'),
          t(lang, 'admin.actions'),
        ],
        rows: [
          ...members.map(
            (m) => html`<tr>
              <th scope="row">${m.email}</th>
              <td>${m.name}</td>
              <td>${t(lang, `backoffice.role_${m.role}`)}</td>
              <td>
                ${
                  m.role === 'merchant_staff'
                    ? RowAction(
                        token,
                        bo(lang, 'staff', `/${m.id}/retirer`),
                        t(lang, 'backoffice.remove'),
                        t(lang, 'backoffice.confirm_delete'),
                      )
                    : null
                }
              </td>
            </tr>`,
          ),
          ...pending.map(
            (p) => html`<tr>
              <th scope="row">${p.email}</th>
              <td></td>
              <td>${t(lang, 'backoffice.invited_until', { date: formatDate(p.expires_at, lang) })}</td>
              <td>
                ${RowAction(token, bo(lang, 'staff', `/invitations/${p.id}/annuler`), t(lang, 'backoffice.cancel'))}
              </td>
            </tr>`,
          ),
        ],
        createTitle: t(lang, 'backoffice.invite'),
        action: bo(lang, 'staff'),
        fields: Field({
          name: 'email',
          type: 'email',
          label: t(lang, 'auth.email'),
          value: opts.email,
          errors: opts.errors,
          required: true,
        }),
        submitLabel: t(lang, 'backoffice.send_invitation'),
        errors: opts.errors,
      });
    };

    app.get(bo(lang, 'staff'), { schema: { hide: true } }, async (req, reply) =>
      staffPage(req, reply, await owner(req)),
    );
    app.post(
      bo(lang, 'staff'),
      { schema: { hide: true, body: inviteForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const body = req.body as z.infer<typeof inviteForm>;
        let inv: { email: string; token: string };
        try {
          inv = await inviteStaff(db, access.merchantId, access.user.id, body.email);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          return staffPage(req, reply, access, { errors: issuesToErrors(lang, e.issues), email: body.email });
        }
        const m = await getMerchant(db, access.merchantId);
        const link = `${baseUrl(req, ctx)}${bo(lang, 'invitation')}?token=${inv.token}`;
        await ctx.mailer.send({
          to: inv.email,
          lang,
          kind: 'staff_invitation',
          subject: t(lang, 'backoffice.invite_subject', { name: m.display_name }),
          text: t(lang, 'backoffice.invite_body', { name: m.display_name, link }),
        });
        return staffPage(req, reply, access, {
          notice: t(lang, 'backoffice.invitation_sent', { email: inv.email }),
        });
      },
    );
    app.post(
      bo(lang, 'staff', '/:id/retirer'),
      { schema: { hide: true, params: idParams, body: actionForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        await removeStaff(db, access.merchantId, (req.params as { id: number }).id);
        return reply.redirect(bo(lang, 'staff'), 303);
      },
    );
    app.post(
      bo(lang, 'staff', '/invitations/:id/annuler'),
      { schema: { hide: true, params: idParams, body: actionForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        await cancelInvitation(db, access.merchantId, (req.params as { id: number }).id);
        return reply.redirect(bo(lang, 'staff'), 303);
      },
    );

    // ---------------------------------------------------------------- invitation (no session needed)
    const invitationPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      token: string,
      errors?: FieldErrors,
    ) => {
      const inv = await readInvitation(db, token);
      if (!inv) throw new AppError('not_found', 'backoffice.invitation_invalid');
      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'backoffice.invitation_title') });
      const body = html`<section class="narrow">
        <h1>${t(lang, 'backoffice.invitation_title')}</h1>
        <p>${t(lang, 'backoffice.invitation_text', { name: inv.display_name, email: inv.email })}</p>
        ${ErrorSummary(lang, errors)}
        <form method="post" action=${bo(lang, 'invitation')} novalidate>
          ${Csrf(reply.generateCsrf())}
          <input type="hidden" name="token" value=${token} />
          ${
            inv.existingUserId
              ? null
              : html`${Field({ name: 'name', label: t(lang, 'signup.name'), errors, autocomplete: 'name' })}
                ${Field({ name: 'password', type: 'password', label: t(lang, 'auth.password'), hint: t(lang, 'auth.password_hint'), errors, required: true, autocomplete: 'new-password' })}`
          }
          <button type="submit">${t(lang, 'backoffice.accept_invitation')}</button>
        </form>
      </section>`;
      return sendHtml(
        reply.header('cache-control', 'no-store'),
        renderDocument(Layout(pc, body)),
        errors ? 400 : 200,
      );
    };
    app.get(
      bo(lang, 'invitation'),
      { schema: { hide: true, querystring: z.object({ token: z.string().max(100).default('') }) } },
      async (req, reply) => invitationPage(req, reply, (req.query as { token: string }).token),
    );
    app.post(
      bo(lang, 'invitation'),
      {
        schema: { hide: true, body: acceptForm },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 20, timeWindow: '10 minutes' } },
      },
      async (req, reply) => {
        const body = req.body as z.infer<typeof acceptForm>;
        const token = body.token.slice(0, 100);
        try {
          await acceptInvitation(db, token, { name: body.name, password: body.password });
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          return invitationPage(req, reply, token, issuesToErrors(lang, e.issues));
        }
        return reply.redirect(
          `${localPath(lang, 'login')}?next=${encodeURIComponent(bo(lang, 'dashboard'))}`,
          303,
        );
      },
    );

    // ---------------------------------------------------------------- API keys
    const keysPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      opts: { created?: { name: string; key: string }; errors?: FieldErrors } = {},
    ) => {
      const keys = await listApiKeys(db, access.merchantId);
      const token = reply.generateCsrf();
      return renderListCreate(req, reply, ctx, lang, access, token, {
        section: 'keys',
        title: t(lang, 'backoffice.nav_keys'),
        intro: t(lang, 'backoffice.keys_intro'),
        secret: opts.created && {
          message: t(lang, 'backoffice.key_created', { name: opts.created.name }),
          value: opts.created.key,
          attr: 'data-api-key',
        },
        columns: [
          t(lang, 'backoffice.key_name'),
          t(lang, 'backoffice.key_prefix'),
          t(lang, 'backoffice.created'),
          t(lang, 'backoffice.last_used'),
          t(lang, 'admin.actions'),
        ],
        rows: keys.map(
          (k) => html`<tr>
            <th scope="row">${k.name}</th>
            <td><code>${k.prefix}…</code></td>
            <td><time datetime=${k.created_at}>${formatDate(k.created_at, lang)}</time></td>
            <td>${k.last_used_at ? html`<time datetime=${k.last_used_at}>${formatDate(k.last_used_at, lang)}</time>` : '—'}</td>
            <td>
              ${
                k.revoked_at
                  ? t(lang, 'backoffice.revoked')
                  : RowAction(
                      token,
                      bo(lang, 'keys', `/${k.id}/revoquer`),
                      t(lang, 'backoffice.revoke'),
                      t(lang, 'backoffice.confirm_revoke'),
                    )
              }
            </td>
          </tr>`,
        ),
        createTitle: t(lang, 'backoffice.new_key'),
        action: bo(lang, 'keys'),
        fields: [
          Field({
            name: 'name',
            label: t(lang, 'backoffice.key_name'),
            errors: opts.errors,
            required: true,
            hint: t(lang, 'backoffice.key_name_hint'),
          }),
          ReauthField(lang, opts.errors),
        ],
        submitLabel: t(lang, 'backoffice.create_key'),
        errors: opts.errors,
      });
    };
    app.get(bo(lang, 'keys'), { schema: { hide: true } }, async (req, reply) =>
      keysPage(req, reply, await owner(req)),
    );
    app.post(
      bo(lang, 'keys'),
      { schema: { hide: true, body: keyForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const body = req.body as z.infer<typeof keyForm>;
        // Re-authentication (ASVS 7.5.1): a key reads and writes the merchant's catalogue and orders.
        const issues = [
          ...apiKeyNameIssues(body.name),
          ...(await reauthIssues(ctx, access, body.current_password, req.ip)),
        ];
        if (issues.length) return keysPage(req, reply, access, { errors: issuesToErrors(lang, issues) });
        const k = await createApiKey(db, access.merchantId, body.name);
        req.log.info(
          { event: 'api_key_created', merchant_id: access.merchantId, prefix: k.prefix },
          'API key created',
        );
        // Shown this once; only its hash is stored.
        return keysPage(req, reply, access, { created: { name: k.name, key: k.key } });
      },
    );
    app.post(
      bo(lang, 'keys', '/:id/revoquer'),
      { schema: { hide: true, params: idParams, body: actionForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const { id } = req.params as { id: number };
        await revokeApiKey(db, access.merchantId, id);
        req.log.info(
          { event: 'api_key_revoked', merchant_id: access.merchantId, key_id: id },
          'API key revoked',
        );
        return reply.redirect(bo(lang, 'keys'), 303);
      },
    );
  }
}
