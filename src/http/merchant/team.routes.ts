import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatDate, t } from '../../i18n/index.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import { confirmPassword } from '../../modules/accounts/index.ts';
import {
  acceptInvitation,
  cancelInvitation,
  inviteStaff,
  listStaff,
  readInvitation,
  removeStaff,
} from '../../modules/backoffice/index.ts';
import { generateApiKey } from '../../modules/merchants/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { localPath, sendHtml } from '../pages/page-context.ts';
import { baseUrl } from '../pages/signup.routes.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors, Notice } from './forms.ts';
import { bo, renderBo } from './layout.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const anyBody = z.record(z.string(), z.unknown());
type V = Record<string, unknown>;

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
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'staff',
          title: t(lang, 'backoffice.nav_staff'),
          status: opts.errors ? 400 : 200,
          body: html`<h1>${t(lang, 'backoffice.nav_staff')}</h1>
            ${Notice(opts.notice)}
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'auth.email')}</th>
                  <th scope="col">${t(lang, 'signup.name')}</th>
                  <th scope="col">${t(lang, 'backoffice.role')}</th>
                  <th scope="col">${t(lang, 'admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                ${members.map(
                  (m) => html`<tr>
                    <th scope="row">${m.email}</th>
                    <td>${m.name}</td>
                    <td>${t(lang, `backoffice.role_${m.role}`)}</td>
                    <td>
                      ${
                        m.role === 'merchant_staff'
                          ? html`<form method="post" action=${bo(lang, 'staff', `/${m.id}/retirer`)} data-confirm=${t(lang, 'backoffice.confirm_delete')}>
                              ${Csrf(token)}<button type="submit">${t(lang, 'backoffice.remove')}</button>
                            </form>`
                          : null
                      }
                    </td>
                  </tr>`,
                )}
                ${pending.map(
                  (p) => html`<tr>
                    <th scope="row">${p.email}</th>
                    <td></td>
                    <td>${t(lang, 'backoffice.invited_until', { date: formatDate(p.expires_at, lang) })}</td>
                    <td>
                      <form method="post" action=${bo(lang, 'staff', `/invitations/${p.id}/annuler`)}>
                        ${Csrf(token)}<button type="submit">${t(lang, 'backoffice.cancel')}</button>
                      </form>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <h2>${t(lang, 'backoffice.invite')}</h2>
            ${ErrorSummary(lang, opts.errors)}
            <form method="post" action=${bo(lang, 'staff')} novalidate>
              ${Csrf(token)}
              ${Field({ name: 'email', type: 'email', label: t(lang, 'auth.email'), value: opts.email, errors: opts.errors, required: true })}
              <button type="submit">${t(lang, 'backoffice.send_invitation')}</button>
            </form>`,
        },
        token,
      );
    };

    app.get(bo(lang, 'staff'), { schema: { hide: true } }, async (req, reply) =>
      staffPage(req, reply, await owner(req)),
    );
    app.post(
      bo(lang, 'staff'),
      { schema: { hide: true, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const body = req.body as V;
        let inv: { email: string; token: string };
        try {
          inv = await inviteStaff(db, access.merchantId, access.user.id, body.email);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          return staffPage(req, reply, access, {
            errors: issuesToErrors(lang, e.issues),
            email: String(body.email ?? ''),
          });
        }
        const m = await db
          .selectFrom('merchants')
          .select('display_name')
          .where('id', '=', access.merchantId)
          .executeTakeFirstOrThrow();
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
      { schema: { hide: true, params: idParams, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        await removeStaff(db, access.merchantId, (req.params as { id: number }).id);
        return reply.redirect(bo(lang, 'staff'), 303);
      },
    );
    app.post(
      bo(lang, 'staff', '/invitations/:id/annuler'),
      { schema: { hide: true, params: idParams, body: anyBody }, preHandler: app.csrfProtection },
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
        schema: { hide: true, body: anyBody },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 20, timeWindow: '10 minutes' } },
      },
      async (req, reply) => {
        const body = req.body as V;
        const token = String(body.token ?? '').slice(0, 100);
        try {
          await acceptInvitation(db, token, {
            name: String(body.name ?? ''),
            password: String(body.password ?? ''),
          });
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
      const keys = await db
        .selectFrom('api_keys')
        .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
        .where('merchant_id', '=', access.merchantId)
        .orderBy('id', 'desc')
        .execute();
      const token = reply.generateCsrf();
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'keys',
          title: t(lang, 'backoffice.nav_keys'),
          status: opts.errors ? 400 : 200,
          body: html`<h1>${t(lang, 'backoffice.nav_keys')}</h1>
            <p>${t(lang, 'backoffice.keys_intro')}</p>
            ${
              opts.created
                ? html`<div class="notice ok" role="status">
                    <p>${t(lang, 'backoffice.key_created', { name: opts.created.name })}</p>
                    <p><code data-api-key>${opts.created.key}</code></p>
                  </div>`
                : null
            }
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'backoffice.key_name')}</th>
                  <th scope="col">${t(lang, 'backoffice.key_prefix')}</th>
                  <th scope="col">${t(lang, 'backoffice.created')}</th>
                  <th scope="col">${t(lang, 'backoffice.last_used')}</th>
                  <th scope="col">${t(lang, 'admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                ${keys.map(
                  (k) => html`<tr>
                    <th scope="row">${k.name}</th>
                    <td><code>${k.prefix}…</code></td>
                    <td>${formatDate(k.created_at, lang)}</td>
                    <td>${k.last_used_at ? formatDate(k.last_used_at, lang) : '—'}</td>
                    <td>
                      ${
                        k.revoked_at
                          ? t(lang, 'backoffice.revoked')
                          : html`<form method="post" action=${bo(lang, 'keys', `/${k.id}/revoquer`)} data-confirm=${t(lang, 'backoffice.confirm_revoke')}>
                              ${Csrf(token)}<button type="submit">${t(lang, 'backoffice.revoke')}</button>
                            </form>`
                      }
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
            <h2>${t(lang, 'backoffice.new_key')}</h2>
            ${ErrorSummary(lang, opts.errors)}
            <form method="post" action=${bo(lang, 'keys')} novalidate>
              ${Csrf(token)}
              ${Field({ name: 'name', label: t(lang, 'backoffice.key_name'), errors: opts.errors, required: true, hint: t(lang, 'backoffice.key_name_hint') })}
              ${Field({ name: 'current_password', type: 'password', label: t(lang, 'password.current'), errors: opts.errors, required: true, hint: t(lang, 'backoffice.reauth_hint'), attrs: { autocomplete: 'current-password' } })}
              <button type="submit">${t(lang, 'backoffice.create_key')}</button>
            </form>`,
        },
        token,
      );
    };
    app.get(bo(lang, 'keys'), { schema: { hide: true } }, async (req, reply) =>
      keysPage(req, reply, await owner(req)),
    );
    app.post(
      bo(lang, 'keys'),
      { schema: { hide: true, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const name = String((req.body as V).name ?? '').trim();
        const errors: FieldErrors = {};
        if (name.length < 1 || name.length > 80)
          errors.name = t(lang, name ? 'field.too_long' : 'field.required', { maximum: 80 });
        // Re-authentication (ASVS 7.5.1): a key reads and writes the merchant's catalogue and orders.
        const password = String((req.body as V).current_password ?? '');
        // A blank field is a missing answer, not a guess: it does not count as a failed login.
        if (password === '' || !(await confirmPassword(db, access.user, password, req.ip)))
          errors.current_password = t(lang, password ? 'password.current_wrong' : 'field.required');
        if (Object.keys(errors).length) return keysPage(req, reply, access, { errors });
        const k = generateApiKey();
        await db
          .insertInto('api_keys')
          .values({ merchant_id: access.merchantId, name, prefix: k.prefix, key_hash: k.hash })
          .execute();
        req.log.info(
          { event: 'api_key_created', merchant_id: access.merchantId, prefix: k.prefix },
          'API key created',
        );
        // Shown this once; only its hash is stored.
        return keysPage(req, reply, access, { created: { name, key: k.key } });
      },
    );
    app.post(
      bo(lang, 'keys', '/:id/revoquer'),
      { schema: { hide: true, params: idParams, body: anyBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const { id } = req.params as { id: number };
        const r = await db
          .updateTable('api_keys')
          .set({ revoked_at: new Date().toISOString() })
          .where('id', '=', id)
          .where('merchant_id', '=', access.merchantId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 0) throw notFound('api_key');
        req.log.info(
          { event: 'api_key_revoked', merchant_id: access.merchantId, key_id: id },
          'API key revoked',
        );
        return reply.redirect(bo(lang, 'keys'), 303);
      },
    );
  }
}
