import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import {
  confirmPath,
  createUser,
  emailSchema,
  markEmailVerified,
  readConfirmationToken,
  sendConfirmationEmail,
} from '../../modules/accounts/index.ts';
import type { AppContext } from '../context.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors } from '../merchant/forms.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const signupBody = z.object({
  name: z.string().max(200).default(''),
  email: z.string().max(254).default(''),
  password: z.string().max(200).default(''),
  _csrf: z.string().optional(),
});

/**
 * Base URL for links in emails: the configured public URL, never the request's Host header (a
 * client chooses it: a reset link to its own host would leak the token). `req` kept for callers.
 */
export function baseUrl(_req: FastifyRequest, ctx: AppContext): string {
  return publicBaseUrl(ctx.config);
}

export default async function signupRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    title: string,
    body: unknown,
    status = 200,
  ) {
    const pc = await pageContext(req, reply, ctx, lang, { title });
    return sendHtml(
      reply.header('cache-control', 'no-store'),
      renderDocument(Layout(pc, html`<section class="auth narrow">${body}</section>`)),
      status,
    );
  }

  async function form(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    values: Partial<z.infer<typeof signupBody>> = {},
    errors?: FieldErrors,
  ) {
    const token = reply.generateCsrf();
    return page(
      req,
      reply,
      lang,
      t(lang, 'signup.title'),
      html`<h1>${t(lang, 'signup.title')}</h1>
        ${ErrorSummary(lang, errors)}
        <form method="post" action=${localPath(lang, 'signup')} novalidate>
          ${Csrf(token)}
          ${Field({ name: 'name', label: t(lang, 'signup.name'), value: values.name, errors, autocomplete: 'name' })}
          ${Field({ name: 'email', type: 'email', label: t(lang, 'auth.email'), value: values.email, errors, required: true, autocomplete: 'email' })}
          ${Field({ name: 'password', type: 'password', label: t(lang, 'auth.password'), hint: t(lang, 'auth.password_hint'), errors, required: true, autocomplete: 'new-password' })}
          <button type="submit">${t(lang, 'signup.submit')}</button>
        </form>
        <p><a href=${localPath(lang, 'merchant', lang === 'fr' ? '/inscription' : '/signup')}>${t(lang, 'auth.merchant_signup_link')}</a></p>`,
      errors ? 400 : 200,
    );
  }

  for (const lang of ['fr', 'en'] as const) {
    app.get(localPath(lang, 'signup'), { schema: { hide: true } }, (req, reply) => form(req, reply, lang));

    app.post(
      localPath(lang, 'signup'),
      {
        schema: { hide: true, body: signupBody },
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: 10, timeWindow: '10 minutes' } },
      },
      async (req, reply) => {
        const input = req.body as z.infer<typeof signupBody>;
        const region = (await pageContext(req, reply, ctx, lang, { title: '' })).region;
        const email = emailSchema.safeParse(input.email);
        try {
          const user = await createUser(db, {
            email: input.email,
            password: input.password,
            name: input.name,
            locale: lang,
          });
          await sendConfirmationEmail(ctx, {
            userId: user.id,
            email: user.email,
            lang,
            baseUrl: baseUrl(req, ctx),
            regionName: region.name,
          });
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          const taken = err.issues.length === 1 && err.issues[0].message === 'account.email_taken';
          if (!taken)
            return form(
              req,
              reply,
              lang,
              { name: input.name, email: input.email },
              issuesToErrors(lang, err.issues),
            );
          // No account enumeration: the page is the same; the owner of the address is told by email.
          await ctx.mailer.send({
            to: email.data as string,
            lang,
            kind: 'account_exists',
            subject: t(lang, 'signup.mail_exists_subject'),
            text: t(lang, 'signup.mail_exists_body', {
              region: region.name,
              link: `${baseUrl(req, ctx)}${localPath(lang, 'login')}`,
            }),
          });
        }
        return page(
          req,
          reply,
          lang,
          t(lang, 'signup.check_email_title'),
          html`<h1>${t(lang, 'signup.check_email_title')}</h1>
            <p role="status">${t(lang, 'signup.check_email', { email: email.data ?? '' })}</p>`,
        );
      },
    );

    app.get(
      confirmPath(lang),
      { schema: { hide: true, querystring: z.object({ token: z.string().max(2000).default('') }) } },
      async (req, reply) => {
        const { token } = req.query as { token: string };
        const data = readConfirmationToken(ctx.secret, token);
        if (!data || !(await markEmailVerified(db, data.uid, data.email))) {
          return page(
            req,
            reply,
            lang,
            t(lang, 'signup.bad_link_title'),
            html`<h1>${t(lang, 'signup.bad_link_title')}</h1>
              <p>${t(lang, 'signup.bad_link')}</p>`,
            400,
          );
        }
        return page(
          req,
          reply,
          lang,
          t(lang, 'signup.confirmed_title'),
          html`<h1>${t(lang, 'signup.confirmed_title')}</h1>
            <p role="status">${t(lang, 'signup.confirmed')}</p>
            <p><a class="button" href=${localPath(lang, 'login')}>${t(lang, 'auth.login_submit')}</a></p>`,
        );
      },
    );
  }
}
