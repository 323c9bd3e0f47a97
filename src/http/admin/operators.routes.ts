import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatDate, t } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import {
  inviteAccount,
  listOperators,
  OPERATOR_ROLES,
  revokeOperator,
  withdrawInvitation,
} from '../../modules/accounts/index.ts';
import { listAssociations } from '../../modules/associations/index.ts';
import { requireRegionAdmin, type SessionUser } from '../auth.ts';
import type { AppContext } from '../context.ts';
import {
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
  Select,
} from '../merchant/forms.ts';
import { cachedRegion, pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import { baseUrl } from '../pages/signup.routes.ts';
import { operatorsPath } from './home.routes.ts';

const other = (lang: Lang): Lang => (lang === 'fr' ? 'en' : 'fr');

const inviteBody = z.object({
  email: z.string().max(254).default(''),
  role: z.string().max(40).default(''),
  association_id: z.string().max(20).default(''),
  _csrf: z.string().optional(),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });
interface PageOptions {
  notice?: string;
  error?: string;
  errors?: FieldErrors;
  values?: { email?: string; role?: string; association_id?: string };
  status?: number;
}

/**
 * Operator accounts (region admins only): the list, invitations by email (single-use link, 7 days)
 * and revocation (roles removed, sessions ended; never oneself). The page the emailed link opens is
 * in invitation.routes.ts.
 */
export default async function operatorRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    user: SessionUser,
    opts: PageOptions = {},
  ) {
    const [{ accounts, pending }, associations] = await Promise.all([
      listOperators(db),
      listAssociations(db),
    ]);
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'operators.title'),
      path: operatorsPath(lang),
      altPath: operatorsPath(other(lang)),
    });
    const token = reply.generateCsrf();
    const base = operatorsPath(lang);
    const v = opts.values ?? {};
    const roleLabel = (r: { role: string; associationName: string | null }) =>
      r.role === 'association_admin'
        ? t(lang, 'design.role_of', { association: r.associationName ?? '' })
        : r.role === 'funder'
          ? t(lang, 'operators.role_funder')
          : t(lang, 'operators.role_region_admin');
    const body = html`<section class="admin operators">
      <h1>${t(lang, 'operators.title')}</h1>
      ${Notice(opts.notice)} ${Notice(opts.error, 'error')}
      <h2 id="acc-h">${t(lang, 'operators.accounts')}</h2>
      <table class="data stack" aria-labelledby="acc-h">
        <thead>
          <tr>
            <th scope="col">${t(lang, 'operators.email')}</th>
            <th scope="col">${t(lang, 'operators.name')}</th>
            <th scope="col">${t(lang, 'operators.roles')}</th>
            <th scope="col">${t(lang, 'operators.actions')}</th>
          </tr>
        </thead>
        <tbody>
          ${accounts.map(
            (a) => html`<tr data-operator=${a.userId}>
              <th scope="row">${a.email} ${a.userId === user.id ? t(lang, 'operators.you') : null}</th>
              <td>${a.name}</td>
              <td>${a.roles.map(roleLabel).join(', ')}</td>
              <td>
                ${
                  a.userId === user.id
                    ? null
                    : html`<form method="post" action=${`${base}/${a.userId}/revoke`} class="inline">
                        ${Csrf(token)}
                        <button type="submit" aria-label=${t(lang, 'operators.revoke_label', { email: a.email })}>
                          ${t(lang, 'operators.revoke')}
                        </button>
                      </form>`
                }
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      <h2 id="pend-h">${t(lang, 'operators.pending')}</h2>
      ${
        pending.length
          ? html`<table class="data stack" aria-labelledby="pend-h">
              <thead>
                <tr>
                  <th scope="col">${t(lang, 'operators.email')}</th>
                  <th scope="col">${t(lang, 'operators.role')}</th>
                  <th scope="col">${t(lang, 'operators.expires')}</th>
                  <th scope="col">${t(lang, 'operators.actions')}</th>
                </tr>
              </thead>
              <tbody>
                ${pending.map(
                  (p) => html`<tr data-invitation=${p.id}>
                    <th scope="row">${p.email}</th>
                    <td>${roleLabel(p)}</td>
                    <td><time datetime=${p.expiresAt}>${formatDate(p.expiresAt, lang)}</time></td>
                    <td>
                      <form method="post" action=${`${base}/invitations/${p.id}/withdraw`} class="inline">
                        ${Csrf(token)}
                        <button type="submit" aria-label=${t(lang, 'operators.withdraw_label', { email: p.email })}>
                          ${t(lang, 'operators.withdraw')}
                        </button>
                      </form>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="empty">${t(lang, 'operators.none_pending')}</p>`
      }
      <section aria-labelledby="inv-h">
        <h2 id="inv-h">${t(lang, 'operators.invite_title')}</h2>
        ${ErrorSummary(lang, opts.errors)}
        <p>${t(lang, 'operators.invite_hint')}</p>
        <form method="post" action=${base} novalidate>
          ${Csrf(token)}
          ${Field({ name: 'email', type: 'email', label: t(lang, 'operators.email'), value: v.email, errors: opts.errors, required: true, autocomplete: 'off' })}
          ${Select({
            name: 'role',
            label: t(lang, 'operators.role'),
            value: v.role ?? 'association_admin',
            errors: opts.errors,
            required: true,
            options: [
              { value: 'association_admin', label: t(lang, 'operators.role_association_admin') },
              { value: 'region_admin', label: t(lang, 'operators.role_region_admin') },
              { value: 'funder', label: t(lang, 'operators.role_funder') },
            ],
          })}
          ${Select({
            name: 'association_id',
            label: t(lang, 'operators.association'),
            value: v.association_id ?? '',
            errors: opts.errors,
            options: [
              { value: '', label: t(lang, 'operators.association_none') },
              ...associations.map((a) => ({ value: a.id, label: a.name })),
            ],
          })}
          <button type="submit">${t(lang, 'operators.invite_submit')}</button>
        </form>
      </section>
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      opts.status ?? (opts.errors || opts.error ? 400 : 200),
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    const base = operatorsPath(lang);

    app.get(base, { schema: { hide: true } }, async (req, reply) => {
      const user = await requireRegionAdmin(req, ctx);
      return page(req, reply, lang, user);
    });

    app.post(
      base,
      { schema: { hide: true, body: inviteBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const input = req.body as z.infer<typeof inviteBody>;
        const associationId = /^\d{1,9}$/.test(input.association_id) ? Number(input.association_id) : null;
        try {
          const r = await inviteAccount(
            { db, mailer: ctx.mailer },
            {
              email: input.email,
              role: (OPERATOR_ROLES as readonly string[]).includes(input.role) ? input.role : '',
              associationId,
              invitedBy: user.id,
              lang,
              baseUrl: baseUrl(req, ctx),
              regionName: (await cachedRegion(ctx)).name,
            },
          );
          req.log.info(
            { event: 'operator_invited', invitation_id: r.id, role: input.role, by: user.id },
            'operator invited',
          );
          return page(req, reply, lang, user, { notice: t(lang, 'operators.invited', { email: r.email }) });
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          return page(req, reply, lang, user, { errors: issuesToErrors(lang, err.issues), values: input });
        }
      },
    );

    app.post(
      `${base}/:id/revoke`,
      { schema: { hide: true, params: idParams }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const { id } = req.params as z.infer<typeof idParams>;
        try {
          const r = await revokeOperator(db, { actorId: user.id, userId: id });
          req.log.info({ event: 'operator_revoked', user_id: id, by: user.id }, 'operator access revoked');
          return page(req, reply, lang, user, { notice: t(lang, 'operators.revoked', { email: r.email }) });
        } catch (err) {
          if (err instanceof AppError && err.code === 'conflict')
            return page(req, reply, lang, user, { error: t(lang, err.messageKey), status: 409 });
          throw err;
        }
      },
    );

    app.post(
      `${base}/invitations/:id/withdraw`,
      { schema: { hide: true, params: idParams }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireRegionAdmin(req, ctx);
        const { id } = req.params as z.infer<typeof idParams>;
        await withdrawInvitation(db, id);
        req.log.info(
          { event: 'invitation_withdrawn', invitation_id: id, by: user.id },
          'invitation withdrawn',
        );
        return page(req, reply, lang, user, { notice: t(lang, 'operators.withdrawn') });
      },
    );
  }
}
