import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { AppError, ValidationError } from '../../lib/errors.ts';
import {
  changePassword,
  forgotPasswordPath,
  renderAccountSections,
  sendPasswordChangedEmail,
  updateProfile,
} from '../../modules/accounts/index.ts';
import { countUserSessions, deleteOtherSessions } from '../../modules/sessions/index.ts';
import { adminScope, isFunder, requireUser, type SessionUser, startSession } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, Field, type FieldErrors, issuesToErrors, Notice, Select } from '../merchant/forms.ts';
import { LogoutForm } from './auth.routes.ts';
import { cachedRegion, pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';
import { baseUrl } from './signup.routes.ts';

const profileBody = z.object({
  name: z.string().trim().max(120).default(''),
  locale: z.enum(['fr', 'en']).default('fr'),
  _csrf: z.string().optional(),
});

const passwordBody = z.object({
  current_password: z.string().max(200).default(''),
  new_password: z.string().max(200).default(''),
  confirm_password: z.string().max(200).default(''),
  _csrf: z.string().optional(),
});

/** The password form posts here; the account page itself stays the place to see it. */
const passwordPath = (lang: Lang) =>
  localPath(lang, 'account', lang === 'fr' ? '/mot-de-passe' : '/password');

/** "Sign out my other devices" posts here. */
const sessionsPath = (lang: Lang) => localPath(lang, 'account', '/sessions');

interface RenderOptions {
  /** A notice at the top (profile saved, password changed). */
  notice?: string;
  /** Errors of the password form, next to its fields; `passwordError` above it (account throttled). */
  passwordErrors?: FieldErrors;
  passwordError?: string;
  status?: number;
}

export default async function accountRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    user: SessionUser,
    opts: RenderOptions = {},
  ) {
    const pc = await pageContext(req, reply, ctx, lang, {
      title: t(lang, 'account.title'),
      // The password form posts to its own path; the language switch leads to the account page.
      path: localPath(lang, 'account'),
      altPath: localPath(lang === 'fr' ? 'en' : 'fr', 'account'),
    });
    const token = reply.generateCsrf();
    const isMerchant = user.roles.some((r) => r.role === 'merchant_owner' || r.role === 'merchant_staff');
    const scope = adminScope(user);
    const isAdmin = scope.all || scope.associationIds.length > 0;
    const sections = await renderAccountSections({ db, userId: user.id, email: user.email, lang });
    const sessionCount = await countUserSessions(db, user.id);
    const body = html`<section class="account">
      <h1>${t(lang, 'account.title')}</h1>
      ${Notice(opts.notice)}
      <p>
        ${user.email} —
        ${t(lang, user.email_verified ? 'account.email_status_verified' : 'account.email_status_pending')}
      </p>
      ${
        isMerchant || isAdmin || isFunder(user)
          ? html`<nav aria-labelledby="ws-h">
              <h2 id="ws-h">${t(lang, 'account.workspaces')}</h2>
              <ul>
                ${isMerchant ? html`<li><a href=${localPath(lang, 'merchant')}>${t(lang, 'account.backoffice_link')}</a></li>` : null}
                ${isAdmin || isFunder(user) ? html`<li><a href=${localPath(lang, 'admin')}>${t(lang, 'console.account_link')}</a></li>` : null}
                ${isAdmin ? html`<li><a href=${localPath(lang, 'admin', lang === 'fr' ? '/commerces' : '/merchants')}>${t(lang, 'account.admin_link')}</a></li>` : null}
              </ul>
            </nav>`
          : null
      }
      <section aria-labelledby="profile-h">
        <h2 id="profile-h">${t(lang, 'account.profile')}</h2>
        <form method="post" action=${localPath(lang, 'account')}>
          ${Csrf(token)}
          ${Field({ name: 'name', label: t(lang, 'signup.name'), value: user.name, autocomplete: 'name' })}
          ${Select({
            name: 'locale',
            label: t(lang, 'account.locale'),
            value: user.locale,
            options: [
              { value: 'fr', label: t(lang, 'account.lang_fr') },
              { value: 'en', label: t(lang, 'account.lang_en') },
            ],
          })}
          <button type="submit">${t(lang, 'form.save')}</button>
        </form>
      </section>
      <section aria-labelledby="password-h" id="password">
        <h2 id="password-h">${t(lang, 'password.change_title')}</h2>
        ${Notice(opts.passwordError, 'error')}
        <form method="post" action=${passwordPath(lang)} novalidate>
          ${Csrf(token)}
          <input type="hidden" name="username" autocomplete="username" value=${user.email} />
          ${Field({ name: 'current_password', type: 'password', label: t(lang, 'password.current'), errors: opts.passwordErrors, required: true, autocomplete: 'current-password' })}
          ${Field({ name: 'new_password', type: 'password', label: t(lang, 'password.new'), hint: t(lang, 'auth.password_hint'), errors: opts.passwordErrors, required: true, autocomplete: 'new-password' })}
          ${Field({ name: 'confirm_password', type: 'password', label: t(lang, 'password.confirm'), errors: opts.passwordErrors, required: true, autocomplete: 'new-password' })}
          <button type="submit">${t(lang, 'password.change_submit')}</button>
        </form>
        <p><a href=${forgotPasswordPath(lang)}>${t(lang, 'password.forgot_link')}</a></p>
      </section>
      <section aria-labelledby="sessions-h" id="sessions">
        <h2 id="sessions-h">${t(lang, 'account.sessions_title')}</h2>
        <p data-sessions=${sessionCount}>${t(lang, 'account.sessions_count', { count: sessionCount })}</p>
        ${
          sessionCount > 1
            ? html`<form method="post" action=${sessionsPath(lang)}>
                ${Csrf(token)}
                <button type="submit">${t(lang, 'account.sessions_end_others')}</button>
              </form>`
            : null
        }
      </section>
      ${sections}
      ${LogoutForm(lang, token)}
    </section>`;
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, body)),
      opts.status ?? 200,
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(localPath(lang, 'account'), { schema: { hide: true } }, async (req, reply) => {
      const user = await requireUser(req, reply, ctx);
      return render(req, reply, lang, user);
    });
    app.post(
      localPath(lang, 'account'),
      { schema: { hide: true, body: profileBody }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireUser(req, reply, ctx);
        const input = req.body as z.infer<typeof profileBody>;
        await updateProfile(db, user.id, input);
        return render(
          req,
          reply,
          lang,
          { ...user, name: input.name, locale: input.locale },
          { notice: t(lang, 'form.saved') },
        );
      },
    );

    // "Sign out my other devices" (ASVS 7.5.2): every session of the user but this browser's ends.
    app.get(sessionsPath(lang), { schema: { hide: true } }, async (_req, reply) =>
      reply.redirect(`${localPath(lang, 'account')}#sessions`, 303),
    );
    app.post(
      sessionsPath(lang),
      { schema: { hide: true }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const user = await requireUser(req, reply, ctx);
        const ended = await deleteOtherSessions(db, user.id, user.session_id);
        req.log.info({ event: 'sessions_ended', user_id: user.id, count: ended }, 'other sessions ended');
        return render(req, reply, lang, user, {
          notice: t(lang, 'account.sessions_ended', { count: ended }),
        });
      },
    );

    // Someone landing on the form's address (a reload, the language switch) gets the account page.
    app.get(passwordPath(lang), { schema: { hide: true } }, async (_req, reply) =>
      reply.redirect(`${localPath(lang, 'account')}#password`, 303),
    );

    app.post(
      passwordPath(lang),
      {
        schema: { hide: true, body: passwordBody },
        preHandler: app.csrfProtection,
        // Per IP; per account, a wrong current password counts as a failed login (5 / 15 min).
        config: { rateLimit: { max: 10, timeWindow: '15 minutes' } },
      },
      async (req, reply) => {
        const user = await requireUser(req, reply, ctx);
        const input = req.body as z.infer<typeof passwordBody>;
        try {
          await changePassword(db, user, {
            current: input.current_password,
            password: input.new_password,
            confirm: input.confirm_password,
            ip: req.ip,
          });
        } catch (err) {
          if (err instanceof ValidationError) {
            if (err.issues.some((i) => i.field === 'current_password'))
              req.log.warn(
                { event: 'password_change_failed', user_id: user.id, ip: req.ip },
                'password change refused: wrong current password',
              );
            return render(req, reply, lang, user, {
              passwordErrors: issuesToErrors(lang, err.issues),
              status: 400,
            });
          }
          if (err instanceof AppError && err.code === 'rate_limited') {
            req.log.warn(
              { event: 'login_locked', user_id: user.id, ip: req.ip },
              'password change refused: account throttled',
            );
            return render(req, reply, lang, user, { passwordError: t(lang, err.messageKey), status: 429 });
          }
          throw err;
        }
        // Every session of the user is gone (changePassword); this browser gets a brand-new one.
        await startSession(reply, ctx, user.id);
        req.log.info({ event: 'password_changed', user_id: user.id, ip: req.ip }, 'password changed');
        await sendPasswordChangedEmail(ctx, {
          email: user.email,
          lang: user.locale,
          baseUrl: baseUrl(req, ctx),
          regionName: (await cachedRegion(ctx)).name,
        });
        return render(req, reply, lang, user, { notice: t(lang, 'password.changed') });
      },
    );
  }
}
