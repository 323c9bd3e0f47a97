import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { t } from '../../i18n/index.ts';
import { renderAccountSections, updateProfile } from '../../modules/accounts/index.ts';
import { adminScope, requireUser, type SessionUser } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, Field, Notice, Select } from '../merchant/forms.ts';
import { LogoutForm } from './auth.routes.ts';
import { pageContext } from './common.ts';
import { Layout } from './components/layout.ts';
import { html, renderDocument } from './html.ts';
import { localPath, sendHtml } from './page-context.ts';

const profileBody = z.object({
  name: z.string().trim().max(120).default(''),
  locale: z.enum(['fr', 'en']).default('fr'),
  _csrf: z.string().optional(),
});

export default async function accountRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  async function render(
    req: FastifyRequest,
    reply: FastifyReply,
    lang: Lang,
    user: SessionUser,
    saved = false,
  ) {
    const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'account.title') });
    const token = reply.generateCsrf();
    const isMerchant = user.roles.some((r) => r.role === 'merchant_owner' || r.role === 'merchant_staff');
    const scope = adminScope(user);
    const isAdmin = scope.all || scope.associationIds.length > 0;
    const sections = await renderAccountSections({ db, userId: user.id, email: user.email, lang });
    const body = html`<section class="account">
      <h1>${t(lang, 'account.title')}</h1>
      ${saved ? Notice(t(lang, 'form.saved')) : null}
      <p>
        ${user.email} —
        ${t(lang, user.email_verified ? 'account.email_status_verified' : 'account.email_status_pending')}
      </p>
      ${
        isMerchant || isAdmin
          ? html`<nav aria-labelledby="ws-h">
              <h2 id="ws-h">${t(lang, 'account.workspaces')}</h2>
              <ul>
                ${isMerchant ? html`<li><a href=${localPath(lang, 'merchant')}>${t(lang, 'account.backoffice_link')}</a></li>` : null}
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
      ${sections}
      ${LogoutForm(lang, token)}
    </section>`;
    return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
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
        return render(req, reply, lang, { ...user, name: input.name, locale: input.locale }, true);
      },
    );
  }
}
