import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import {
  completePasswordReset,
  emailSchema,
  forgotPasswordPath,
  normaliseEmail,
  type ResetLinkState,
  readPasswordReset,
  requestPasswordResetLater,
  resetPasswordPath,
  sendPasswordChangedEmail,
} from '../../modules/accounts/index.ts';
import { startSession } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors, Notice } from '../merchant/forms.ts';
import { cachedRegion, pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath } from './page-context.ts';
import { baseUrl } from './signup.routes.ts';

/**
 * Forgotten password (ASVS 6.4.3): `/fr/mot-de-passe-oublie`, `/en/forgot-password` asks for an
 * address and always gives the same answer; the emailed link `/fr/reinitialiser-mot-de-passe?token=…`,
 * `/en/reset-password?token=…` opens a form for the new password. The token travels in the query
 * string of that one GET only (redacted from request logs by `redactUrl`, never sent as a Referer:
 * `no-referrer`), then in the form body; the page is `no-store`. After a reset the user is signed
 * in on a fresh session and every other session is gone.
 */

const forgotBody = z.object({
  email: z.string().max(254).default(''),
  _csrf: z.string().optional(),
});
const resetBody = z.object({
  token: z.string().max(200).default(''),
  password: z.string().max(200).default(''),
  confirm: z.string().max(200).default(''),
  _csrf: z.string().optional(),
});

/** Per IP (the rate-limit plugin, shared across instances on PostgreSQL). */
export const FORGOT_LIMIT_PER_IP = { max: 10, timeWindow: '15 minutes' };
/** Per address, known or not (so a 429 tells nothing about the account): at most 3 emails an hour. */
export const FORGOT_LIMIT_PER_EMAIL = { max: 3, timeWindow: '1 hour' };

const other = (lang: Lang): Lang => (lang === 'fr' ? 'en' : 'fr');

export default async function passwordResetRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  const emailLimit = app.createRateLimit({
    ...FORGOT_LIMIT_PER_EMAIL,
    keyGenerator: (req) => {
      const email = normaliseEmail(String((req.body as { email?: unknown } | undefined)?.email ?? ''));
      return `pwreset-email:${createHash('sha256').update(email).digest('hex').slice(0, 32)}`;
    },
  });

  /** These pages hold or ask for secrets: never stored, never referred. */
  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    opts: { title: string; body: unknown; path: (l: Lang) => string; status?: number },
  ) {
    const pc = await pageContext(req, reply, ctx, lang, {
      title: opts.title,
      // Without the query string: the token is not repeated in links of the page.
      path: opts.path(lang),
      altPath: opts.path(other(lang)),
    });
    return reply
      .code(opts.status ?? 200)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(renderDocument(Layout(pc, html`<section class="auth narrow">${opts.body}</section>`)));
  }

  function forgotForm(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    opts: { email?: string; errors?: FieldErrors; error?: string; status?: number } = {},
  ) {
    const token = reply.generateCsrf();
    return page(req, reply, lang, {
      title: t(lang, 'password.forgot_title'),
      path: forgotPasswordPath,
      status: opts.status ?? (opts.errors ? 400 : 200),
      body: html`<h1>${t(lang, 'password.forgot_title')}</h1>
        ${ErrorSummary(lang, opts.errors)} ${Notice(opts.error, 'error')}
        <p>${t(lang, 'password.forgot_intro')}</p>
        <form method="post" action=${forgotPasswordPath(lang)} novalidate>
          ${Csrf(token)}
          ${Field({ name: 'email', type: 'email', label: t(lang, 'auth.email'), value: opts.email, errors: opts.errors, required: true, autocomplete: 'username' })}
          <button type="submit">${t(lang, 'password.forgot_submit')}</button>
        </form>
        <p><a href=${localPath(lang, 'login')}>${t(lang, 'auth.login_title')}</a></p>`,
    });
  }

  function badLink(req: FastifyRequest, reply: FastifyReply, lang: Lang, state: ResetLinkState) {
    return page(req, reply, lang, {
      title: t(lang, 'password.link_title'),
      path: resetPasswordPath,
      status: 400,
      body: html`<h1>${t(lang, 'password.link_title')}</h1>
        <p role="alert">${t(lang, `password.link_${state}`)}</p>
        <p><a class="button" href=${forgotPasswordPath(lang)}>${t(lang, 'password.new_link')}</a></p>`,
    });
  }

  function resetForm(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    opts: { token: string; email: string; errors?: FieldErrors },
  ) {
    const csrf = reply.generateCsrf();
    return page(req, reply, lang, {
      title: t(lang, 'password.reset_title'),
      path: resetPasswordPath,
      status: opts.errors ? 400 : 200,
      body: html`<h1>${t(lang, 'password.reset_title')}</h1>
        ${ErrorSummary(lang, opts.errors)}
        <p>${t(lang, 'password.reset_for', { email: opts.email })}</p>
        <form method="post" action=${resetPasswordPath(lang)} novalidate>
          ${Csrf(csrf)}
          <input type="hidden" name="token" value=${opts.token} />
          ${Field({ name: 'password', type: 'password', label: t(lang, 'password.new'), hint: t(lang, 'auth.password_hint'), errors: opts.errors, required: true, autocomplete: 'new-password' })}
          ${Field({ name: 'confirm', type: 'password', label: t(lang, 'password.confirm'), errors: opts.errors, required: true, autocomplete: 'new-password' })}
          <button type="submit">${t(lang, 'password.reset_submit')}</button>
        </form>`,
    });
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(forgotPasswordPath(lang), { schema: { hide: true } }, (req, reply) =>
      forgotForm(req, reply, lang),
    );

    app.post(
      forgotPasswordPath(lang),
      {
        schema: { hide: true, body: forgotBody },
        preHandler: app.csrfProtection,
        config: { rateLimit: FORGOT_LIMIT_PER_IP },
      },
      async (req, reply) => {
        const input = req.body as z.infer<typeof forgotBody>;
        const email = emailSchema.safeParse(input.email);
        if (!email.success)
          return forgotForm(req, reply, lang, {
            email: input.email,
            errors: { email: t(lang, 'field.invalid_email') },
          });
        const limit = await emailLimit(req);
        if (!limit.isAllowed && limit.isExceeded) {
          req.log.warn(
            { event: 'password_reset_throttled', email: email.data, ip: req.ip },
            'password reset refused: too many requests for this address',
          );
          return forgotForm(req, reply, lang, {
            email: email.data,
            error: t(lang, 'password.forgot_throttled'),
            status: 429,
          });
        }
        req.log.info(
          { event: 'password_reset_requested', email: email.data, ip: req.ip },
          'password reset requested',
        );
        // The same answer, at the same speed, whether or not the address has an account.
        requestPasswordResetLater(
          { db, mailer: ctx.mailer },
          { email: email.data, baseUrl: baseUrl(req, ctx), regionName: (await cachedRegion(ctx)).name },
          (err) => req.log.error({ err, event: 'password_reset_failed' }, 'password reset email failed'),
        );
        return page(req, reply, lang, {
          title: t(lang, 'password.forgot_sent_title'),
          path: forgotPasswordPath,
          body: html`<h1>${t(lang, 'password.forgot_sent_title')}</h1>
            <p role="status">${t(lang, 'password.forgot_sent', { email: email.data })}</p>
            <p><a href=${localPath(lang, 'login')}>${t(lang, 'auth.login_title')}</a></p>`,
        });
      },
    );

    app.get(
      resetPasswordPath(lang),
      { schema: { hide: true, querystring: z.object({ token: z.string().max(2000).default('') }) } },
      async (req, reply) => {
        const { token } = req.query as { token: string };
        // Only reads: a mail scanner opening the link does not use it up.
        const link = await readPasswordReset(db, token);
        if (link.state !== 'valid') return badLink(req, reply, lang, link.state);
        return resetForm(req, reply, lang, { token, email: link.email });
      },
    );

    app.post(
      resetPasswordPath(lang),
      {
        schema: { hide: true, body: resetBody },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 20, timeWindow: '15 minutes' } },
      },
      async (req, reply) => {
        const input = req.body as z.infer<typeof resetBody>;
        let result: Awaited<ReturnType<typeof completePasswordReset>>;
        try {
          result = await completePasswordReset(db, input.token, input);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          const link = await readPasswordReset(db, input.token);
          if (link.state !== 'valid') return badLink(req, reply, lang, link.state);
          return resetForm(req, reply, lang, {
            token: input.token,
            email: link.email,
            errors: issuesToErrors(lang, err.issues),
          });
        }
        if (result.state !== 'done') {
          req.log.warn(
            { event: 'password_reset_refused', state: result.state, ip: req.ip },
            'password reset link refused',
          );
          return badLink(req, reply, lang, result.state);
        }
        const { user } = result;
        await startSession(reply, ctx, user.id);
        req.log.info({ event: 'password_reset', user_id: user.id, ip: req.ip }, 'password reset');
        await sendPasswordChangedEmail(ctx, {
          email: user.email,
          lang: user.locale,
          baseUrl: baseUrl(req, ctx),
          regionName: (await cachedRegion(ctx)).name,
        });
        return page(req, reply, lang, {
          title: t(lang, 'password.reset_done_title'),
          path: resetPasswordPath,
          body: html`<h1>${t(lang, 'password.reset_done_title')}</h1>
            <p role="status">${t(lang, 'password.reset_done')}</p>
            <p><a class="button" href=${localPath(lang, 'account')}>${t(lang, 'password.to_account')}</a></p>`,
        });
      },
    );
  }
}
