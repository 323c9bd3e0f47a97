import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatDate, type Lang, labelColon, t } from '../../i18n/index.ts';
import { merchantMemberships, respondToInvitation } from '../../modules/associations/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { html } from '../pages/html.ts';
import { Csrf, Notice } from './forms.ts';
import { bo, renderBo } from './layout.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const doneQuery = z.object({ done: z.enum(['accept', 'decline']).optional() });
/** Accept and decline forms carry only the CSRF token. */
const answerForm = z.object({ _csrf: z.string().optional() });
const ANSWERS = {
  fr: { accept: 'accepter', decline: 'refuser' },
  en: { accept: 'accept', decline: 'decline' },
};

/**
 * The merchant's associations, and the invitations waiting for the owner's answer. Joining an
 * association gives it a say over the merchant (showcase, campaigns, gift card), so only the
 * merchant's owner accepts: an association's admin can invite, never enrol.
 */
export default async function membershipRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  const owner = (req: FastifyRequest) => requireMerchantRole(req, ctx, { owner: true });

  for (const lang of ['fr', 'en'] as Lang[]) {
    const page = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      notice?: string,
    ) => {
      const rows = await merchantMemberships(db, access.merchantId);
      const invited = rows.filter((r) => r.status === 'invited');
      const joined = rows.filter((r) => r.status !== 'invited');
      const token = reply.generateCsrf();
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'memberships',
          title: t(lang, 'backoffice.nav_memberships'),
          body: html`<h1>${t(lang, 'backoffice.nav_memberships')}</h1>
            ${Notice(notice)}
            <h2 id="inv-h">${t(lang, 'membership.invitations')}</h2>
            ${
              invited.length
                ? html`<p>${t(lang, 'membership.invitations_lead')}</p>
                    <ul class="invitations" aria-labelledby="inv-h">
                      ${invited.map(
                        (a) => html`<li data-association=${a.id}>
                          <strong>${a.name}</strong>
                          <form method="post" action=${bo(lang, 'memberships', `/${a.id}/${ANSWERS[lang].accept}`)} class="inline">
                            ${Csrf(token)}<button type="submit">${t(lang, 'membership.accept')} <span class="sr">${a.name}</span></button>
                          </form>
                          <form method="post" action=${bo(lang, 'memberships', `/${a.id}/${ANSWERS[lang].decline}`)} class="inline">
                            ${Csrf(token)}<button type="submit">${t(lang, 'membership.decline')} <span class="sr">${a.name}</span></button>
                          </form>
                        </li>`,
                      )}
                    </ul>`
                : html`<p class="empty">${t(lang, 'membership.no_invitations')}</p>`
            }
            <h2 id="mem-h">${t(lang, 'membership.mine')}</h2>
            ${
              joined.length
                ? html`<table class="data stack" aria-labelledby="mem-h">
                    <thead><tr><th scope="col">${t(lang, 'membership.association')}</th><th scope="col">${t(lang, 'design.member_status')}</th><th scope="col">${t(lang, 'membership.since')}</th></tr></thead>
                    <tbody>
                      ${joined.map(
                        (a) => html`<tr data-association=${a.id}>
                          <th scope="row"><a href=${`/${lang}/a/${a.slug}`}>${a.name}</a></th>
                          <td data-label=${labelColon(lang, t(lang, 'design.member_status'))}><span class=${`badge s-${a.status}`}>${t(lang, `admin_assoc.status_${a.status}`)}</span></td>
                          <td data-label=${t(lang, 'membership.since')}><time datetime=${a.joined_at}>${formatDate(a.joined_at, lang)}</time></td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>`
                : html`<p class="empty">${t(lang, 'membership.none')}</p>`
            }`,
        },
        token,
      );
    };

    app.get(
      bo(lang, 'memberships'),
      { schema: { hide: true, querystring: doneQuery } },
      async (req, reply) => {
        const { done } = req.query as z.infer<typeof doneQuery>;
        return page(req, reply, await owner(req), done ? t(lang, `membership.done_${done}`) : undefined);
      },
    );

    for (const answer of ['accept', 'decline'] as const) {
      app.post(
        bo(lang, 'memberships', `/:id/${ANSWERS[lang][answer]}`),
        { schema: { hide: true, params: idParams, body: answerForm }, preHandler: app.csrfProtection },
        async (req, reply) => {
          const access = await owner(req);
          const { id } = req.params as z.infer<typeof idParams>;
          await respondToInvitation(db, access.merchantId, id, answer === 'accept');
          req.log.info(
            {
              event: `association_invitation_${answer === 'accept' ? 'accepted' : 'declined'}`,
              association_id: id,
              merchant_id: access.merchantId,
              by: access.user.id,
            },
            'association invitation answered',
          );
          return reply.redirect(`${bo(lang, 'memberships')}?done=${answer}`, 303);
        },
      );
    }
  }
}
