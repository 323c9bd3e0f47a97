import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Lang } from '../../i18n/index.ts';
import { labelColon, t } from '../../i18n/index.ts';
import { listMembers, type MemberStatus } from '../../modules/associations/index.ts';
import { listCampaigns } from '../../modules/campaigns/index.ts';
import { enrolledMerchantIds } from '../../modules/giftcards/index.ts';
import { adminScope } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Csrf, Notice } from '../merchant/forms.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import { adminBase, CampaignForm, Errors, loadAssociation } from './association-admin.ts';

/** One association's admin screen: members (status, gift card, removal), invitation, showcase, campaigns. */
export async function associationPage(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  lang: Lang,
  slug: string,
  opts: { errors?: string[]; done?: string; status?: number } = {},
) {
  const { db } = ctx.database;
  const { a, user } = await loadAssociation(req, ctx, slug);
  const regionAdmin = adminScope(user).all;
  const [members, campaigns, accepting] = await Promise.all([
    listMembers(db, a.id),
    listCampaigns(db, { associationIds: [a.id] }),
    enrolledMerchantIds(db),
  ]);
  const acceptSet = new Set(accepting);
  const pc = await pageContext(req, reply, ctx, lang, {
    title: `${t(lang, 'admin_assoc.title')} · ${a.name}`,
  });
  const token = reply.generateCsrf();
  const base = `${adminBase(lang)}/associations/${a.slug}`;
  const body = html`<section class="admin">
    <p><a href=${`${adminBase(lang)}/associations`}>${t(lang, 'admin_assoc.all')}</a> · <a href=${`/${lang}/a/${a.slug}`}>${t(lang, 'admin_assoc.view_showcase')}</a> · <a href=${`${adminBase(lang)}/impact?association=${a.slug}`}>${t(lang, 'admin_assoc.figures')}</a> · <a href=${`${adminBase(lang)}/gift-cards?association=${a.slug}`}>${t(lang, 'giftcard.title')}</a></p>
    <h1>${a.name}</h1>
    ${Notice(opts.done ? t(lang, 'admin_assoc.saved') : undefined)} ${Errors(opts.errors)}
    <h2 id="mem-h">${t(lang, 'association.members')}</h2>
    <table class="data stack" aria-labelledby="mem-h">
      <thead><tr><th scope="col">${t(lang, 'giftcard.merchant')}</th><th scope="col">${t(lang, 'design.member_status')}</th><th scope="col">${t(lang, 'admin_assoc.accepts_card')}</th><th scope="col">${t(lang, 'admin_assoc.actions')}</th></tr></thead>
      <tbody>
        ${members.map(
          (m) => html`<tr data-member=${m.id}>
            <th scope="row"><a href=${`/${lang}/m/${m.slug}`}>${m.display_name}</a></th>
            <td data-label=${labelColon(lang, t(lang, 'design.member_status'))}><span class=${`badge s-${m.status}`}>${t(lang, m.status === 'invited' ? 'membership.status_invited_admin' : `admin_assoc.status_${m.status}`)}</span></td>
            <td data-label=${labelColon(lang, t(lang, 'admin_assoc.accepts_card'))}>${t(lang, acceptSet.has(m.id) ? 'admin_assoc.yes' : 'admin_assoc.no')}</td>
            <td class="row-actions">
              ${(['active', 'suspended'] as MemberStatus[])
                // An invitation is the merchant's to accept; only a region admin may settle it.
                .filter((s) => s !== m.status && (m.status !== 'invited' || regionAdmin))
                .map(
                  (s) => html`<form method="post" action=${`${base}/members/${m.id}`} class="inline">
                    ${Csrf(token)}<input type="hidden" name="status" value=${s} />
                    <button type="submit">${t(lang, `admin_assoc.action_${s}`)} <span class="sr">${m.display_name}</span></button>
                  </form>`,
                )}
              ${
                m.status === 'active'
                  ? html`<form method="post" action=${`${base}/giftcard/${m.id}`} class="inline">
                      ${Csrf(token)}<input type="hidden" name="accepts" value=${acceptSet.has(m.id) ? '0' : '1'} />
                      <button type="submit">${t(lang, acceptSet.has(m.id) ? 'admin_assoc.card_stop' : 'admin_assoc.card_start')} <span class="sr">${m.display_name}</span></button>
                    </form>`
                  : null
              }
              <form method="post" action=${`${base}/members/${m.id}/remove`} class="inline" data-confirm=${t(lang, 'membership.confirm_remove')}>
                ${Csrf(token)}
                <button type="submit">${t(lang, m.status === 'invited' ? 'membership.withdraw' : 'membership.remove')} <span class="sr">${m.display_name}</span></button>
              </form>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action=${`${base}/invite`}>
      ${Csrf(token)}
      <label for="inv">${t(lang, 'admin_assoc.invite_label')}</label>
      <input id="inv" name="merchant" required aria-describedby="inv-hint" />
      <p class="hint" id="inv-hint">${t(lang, 'membership.invite_hint')}</p>
      <button type="submit">${t(lang, 'admin_assoc.invite')}</button>
    </form>

    <h2>${t(lang, 'admin_assoc.showcase')}</h2>
    <form method="post" action=${`${base}/showcase`}>
      ${Csrf(token)}
      <label for="s-name">${t(lang, 'admin_assoc.name')}</label><input id="s-name" name="name" value=${a.name} required />
      <label for="s-short">${t(lang, 'admin_assoc.short_name')}</label><input id="s-short" name="short_name" value=${a.short_name} required />
      <label for="s-dfr">${t(lang, 'admin_assoc.description_fr')}</label><textarea id="s-dfr" name="description_fr" rows="4">${a.description_fr}</textarea>
      <label for="s-den">${t(lang, 'admin_assoc.description_en')}</label><textarea id="s-den" name="description_en" rows="4">${a.description_en}</textarea>
      <label for="s-pc">${t(lang, 'admin_assoc.primary_color')}</label><input id="s-pc" name="primary_color" type="color" value=${a.primary_color} />
      <label for="s-ac">${t(lang, 'admin_assoc.accent_color')}</label><input id="s-ac" name="accent_color" type="color" value=${a.accent_color} />
      <label for="s-logo">${t(lang, 'admin_assoc.logo_url')}</label><input id="s-logo" name="logo_url" value=${a.logo_url ?? ''} />
      <label for="s-web">${t(lang, 'admin_assoc.website')}</label><input id="s-web" name="website" type="url" value=${a.website ?? ''} />
      <button type="submit">${t(lang, 'admin_assoc.save')}</button>
    </form>

    <h2>${t(lang, 'admin_assoc.campaigns')}</h2>
    <ul>${campaigns.map((c) => html`<li><a href=${`${adminBase(lang)}/campaigns/${c.id}`}>${lang === 'fr' ? c.title_fr : c.title_en}</a> (${c.starts_at.slice(0, 10)} → ${c.ends_at.slice(0, 10)})</li>`)}</ul>
    ${CampaignForm(
      lang,
      token,
      `${base}/campaigns`,
      members.filter((m) => m.status === 'active'),
    )}
  </section>`;
  return sendHtml(
    reply.header('cache-control', 'no-store'),
    renderDocument(Layout(pc, body)),
    opts.status ?? 200,
  );
}
