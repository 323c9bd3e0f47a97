import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import {
  acceptInvitation,
  type InvitationState,
  type InvitedRole,
  invitationPath,
  readInvitation,
} from '../../modules/accounts/index.ts';
import { startSession } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors } from '../merchant/forms.ts';
import { cachedRegion, pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { localPath } from '../pages/page-context.ts';
import { adminHomePath } from './home.routes.ts';

const other = (lang: Lang): Lang => (lang === 'fr' ? 'en' : 'fr');

const acceptBody = z.object({
  token: z.string().max(200).default(''),
  name: z.string().max(200).default(''),
  password: z.string().max(200).default(''),
  confirm: z.string().max(200).default(''),
  _csrf: z.string().optional(),
});

/** Where an accepted invitation leads: the console for operators, the back-office for owners. */
const landing = (lang: Lang, role: InvitedRole) =>
  role === 'merchant_owner' ? localPath(lang, 'merchant') : adminHomePath(lang);

/**
 * The public invitation page (`/fr/invitation`, `/en/invitation`) the emailed link opens: an invited
 * operator or merchant owner chooses a password there (or signs in with their own) and gets the role.
 */
export default async function invitationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  /** The invitation pages carry a secret in their URL: never stored, never referred. */
  async function invitationPage(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    inner: unknown,
    status = 200,
  ) {
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'invitation.title'),
      path: invitationPath(lang),
      altPath: invitationPath(other(lang)),
    });
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(renderDocument(Layout(pc, html`<section class="auth narrow">${inner}</section>`)));
  }

  const badLink = (req: FastifyRequest, reply: FastifyReply, lang: Lang, state: InvitationState) =>
    invitationPage(
      req,
      reply,
      lang,
      html`<h1>${t(lang, 'invitation.link_title')}</h1>
        <p role="alert">${t(lang, `invitation.link_${state}`)}</p>
        <p>${t(lang, 'invitation.ask_again')}</p>`,
      400,
    );

  async function acceptForm(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    token: string,
    errors?: FieldErrors,
  ) {
    const inv = await readInvitation(db, token);
    if (inv.state !== 'valid') return badLink(req, reply, lang, inv.state);
    const region = await cachedRegion(ctx);
    const what =
      inv.role === 'merchant_owner'
        ? t(lang, 'invitation.what_merchant_owner', { merchant: inv.merchantName ?? '' })
        : inv.role === 'association_admin'
          ? t(lang, 'invitation.what_association_admin', { association: inv.associationName ?? '' })
          : inv.role === 'funder'
            ? t(lang, 'invitation.what_funder', { region: region.name })
            : t(lang, 'invitation.what_region_admin', { region: region.name });
    const needsPassword = !inv.user?.hasPassword;
    return invitationPage(
      req,
      reply,
      lang,
      html`<h1>${t(lang, 'invitation.title')}</h1>
        ${ErrorSummary(lang, errors)}
        <p>${t(lang, 'invitation.for', { email: inv.email, what })}</p>
        <p>${t(lang, needsPassword ? 'invitation.set_password_intro' : 'invitation.existing_intro')}</p>
        <form method="post" action=${invitationPath(lang)} novalidate>
          ${Csrf(reply.generateCsrf())}
          <input type="hidden" name="token" value=${token} />
          ${
            needsPassword
              ? html`<input type="hidden" name="username" autocomplete="username" value=${inv.email} />
                ${inv.user ? null : Field({ name: 'name', label: t(lang, 'signup.name'), errors, autocomplete: 'name' })}
                ${Field({ name: 'password', type: 'password', label: t(lang, 'auth.password'), hint: t(lang, 'auth.password_hint'), errors, required: true, autocomplete: 'new-password' })}
                ${Field({ name: 'confirm', type: 'password', label: t(lang, 'password.confirm'), errors, required: true, autocomplete: 'new-password' })}`
              : null
          }
          <button type="submit">${t(lang, 'invitation.accept')}</button>
        </form>`,
      errors ? 400 : 200,
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    // ------------------------------------------------------------- the emailed link (no session)
    app.get(
      invitationPath(lang),
      { schema: { hide: true, querystring: z.object({ token: z.string().max(2000).default('') }) } },
      // Only reads: a mail scanner opening the link does not use it up.
      (req, reply) => acceptForm(req, reply, lang, (req.query as { token: string }).token),
    );

    app.post(
      invitationPath(lang),
      {
        schema: { hide: true, body: acceptBody },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 20, timeWindow: '15 minutes' } },
      },
      async (req, reply) => {
        const input = req.body as z.infer<typeof acceptBody>;
        let result: Awaited<ReturnType<typeof acceptInvitation>>;
        try {
          result = await acceptInvitation(db, input.token, input);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          return acceptForm(req, reply, lang, input.token, issuesToErrors(lang, err.issues));
        }
        if (result.state !== 'done') {
          req.log.warn(
            { event: 'invitation_refused', state: result.state, ip: req.ip },
            'invitation link refused',
          );
          return badLink(req, reply, lang, result.state);
        }
        req.log.info(
          { event: 'invitation_accepted', user_id: result.userId, role: result.role },
          'invitation accepted',
        );
        const target = landing(lang, result.role);
        // A password chosen through the emailed link proves the address: sign in at once. An
        // existing account signs in with its own password.
        if (!result.setPassword)
          return reply.redirect(`${localPath(lang, 'login')}?next=${encodeURIComponent(target)}`, 303);
        await startSession(reply, ctx, result.userId);
        return invitationPage(
          req,
          reply,
          lang,
          html`<h1>${t(lang, 'invitation.done_title')}</h1>
            <p role="status">${t(lang, 'invitation.done')}</p>
            <p><a class="button" href=${target}>${t(lang, 'invitation.continue')}</a></p>`,
        );
      },
    );
  }
}
