import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { attemptLogin, forgotPasswordPath, normaliseEmail } from '../../modules/accounts/index.ts';
import { endSession, getSessionUser, isHostileNext, safeNext, startSession } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, Field, Notice } from '../merchant/forms.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

export const loginPath = (lang: Lang) => localPath(lang, 'login');
export const logoutPath = (lang: Lang) => (lang === 'fr' ? '/fr/deconnexion' : '/en/logout');

const loginBody = z.object({
  email: z.string().max(254).default(''),
  password: z.string().max(200).default(''),
  next: z.string().max(500).optional(),
  _csrf: z.string().optional(),
});

/** Where a user lands after signing in when no `next` was given. */
function homeFor(lang: Lang, roles: { role: string }[]): string {
  if (roles.some((r) => r.role === 'merchant_owner' || r.role === 'merchant_staff'))
    return localPath(lang, 'merchant');
  if (roles.some((r) => r.role === 'region_admin' || r.role === 'association_admin' || r.role === 'funder'))
    return localPath(lang, 'admin'); // the operator console lists every tool the person may use
  return localPath(lang, 'account');
}

export default async function authRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function renderLogin(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    opts: { email?: string; next?: string; error?: string; info?: string; status?: number } = {},
  ) {
    const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'auth.login_title') });
    const token = reply.generateCsrf();
    const body = html`<section class="auth narrow">
      <h1>${t(lang, 'auth.login_title')}</h1>
      ${Notice(opts.info)} ${Notice(opts.error, 'error')}
      <form method="post" action=${loginPath(lang)} novalidate>
        ${Csrf(token)}
        <input type="hidden" name="next" value=${opts.next ?? ''} />
        ${Field({ name: 'email', type: 'email', label: t(lang, 'auth.email'), value: opts.email, required: true, autocomplete: 'username' })}
        ${Field({ name: 'password', type: 'password', label: t(lang, 'auth.password'), required: true, autocomplete: 'current-password' })}
        <button type="submit">${t(lang, 'auth.login_submit')}</button>
      </form>
      <p><a href=${forgotPasswordPath(lang)}>${t(lang, 'password.forgot_link')}</a></p>
      <p>
        ${t(lang, 'auth.no_account')} <a href=${localPath(lang, 'signup')}>${t(lang, 'auth.signup_link')}</a>
        · <a href=${localPath(lang, 'merchant', lang === 'fr' ? '/inscription' : '/signup')}>${t(lang, 'auth.merchant_signup_link')}</a>
      </p>
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      opts.status ?? 200,
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(
      loginPath(lang),
      {
        schema: {
          hide: true,
          querystring: z.object({ next: z.string().max(500).optional(), out: z.string().optional() }),
        },
      },
      async (req, reply) => {
        const { next, out } = req.query as { next?: string; out?: string };
        return renderLogin(req, reply, lang, {
          next: safeNext(next, ''),
          info: out ? t(lang, 'auth.logged_out') : undefined,
        });
      },
    );

    app.post(
      loginPath(lang),
      {
        schema: { hide: true, body: loginBody },
        preHandler: app.csrfProtection,
        // Per IP; the per-account limit is below (failed logins counted in the database).
        config: { rateLimit: { max: 30, timeWindow: '5 minutes' } },
      },
      async (req, reply) => {
        const input = req.body as z.infer<typeof loginBody>;
        const email = normaliseEmail(input.email);
        // Checked before anything is read or written: a control character or backslash in "next"
        // never comes from our pages (it used to fail at the redirect, after the session existed).
        if (isHostileNext(input.next))
          return renderLogin(req, reply, lang, {
            email,
            error: t(lang, 'hardening.next_invalid'),
            status: 400,
          });
        const next = safeNext(input.next, '');
        const login = await attemptLogin(db, { email, password: input.password, ip: req.ip });
        if (login.state === 'locked') {
          req.log.warn({ event: 'login_locked', email, ip: req.ip }, 'login refused: account throttled');
          return renderLogin(req, reply, lang, { email, next, error: t(lang, 'auth.locked'), status: 429 });
        }
        if (login.state === 'bad_credentials') {
          req.log.warn({ event: 'login_failed', email, ip: req.ip }, 'login failed');
          return renderLogin(req, reply, lang, {
            email,
            next,
            error: t(lang, 'auth.bad_credentials'),
            status: 401,
          });
        }
        if (login.state === 'unverified') {
          return renderLogin(req, reply, lang, {
            email,
            next,
            error: t(lang, 'auth.unverified'),
            status: 403,
          });
        }
        await startSession(reply, ctx, login.userId);
        req.log.info({ event: 'login', user_id: login.userId }, 'login');
        return reply.redirect(next || homeFor(lang, login.roles), 303);
      },
    );

    app.post(
      logoutPath(lang),
      { schema: { hide: true }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await getSessionUser(req, ctx);
        await endSession(req, reply, ctx);
        if (user) req.log.info({ event: 'logout', user_id: user.id }, 'logout');
        return reply.redirect(`${loginPath(lang)}?out=1`, 303);
      },
    );
  }
}

/** The sign-out button (a POST form: a link could be triggered by another site). */
export function LogoutForm(lang: Lang, csrfToken: string) {
  return html`<form method="post" action=${logoutPath(lang)} class="logout">
    ${Csrf(csrfToken)}
    <button type="submit">${t(lang, 'auth.logout')}</button>
  </form>`;
}
