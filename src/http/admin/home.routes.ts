import type { FastifyInstance } from 'fastify';
import type { Lang } from '../../i18n/index.ts';
import { t, tp } from '../../i18n/index.ts';
import { associationsByIds } from '../../modules/associations/index.ts';
import { listMerchantsForAdmin } from '../../modules/onboarding/index.ts';
import { adminScope, isFunder, requireImpactReader } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import { adminMerchantsPath } from './merchants.routes.ts';

/** The operator console: `/fr/admin`, `/en/admin`. */
export const adminHomePath = (lang: Lang) => `/${lang}/admin`;
export const operatorsPath = (lang: Lang) => `/${lang}/admin/${lang === 'fr' ? 'operateurs' : 'operators'}`;
const regionPath = (lang: Lang) => `/${lang}/admin/region`;
const townsPath = (lang: Lang) => `/${lang}/admin/${lang === 'fr' ? 'villes' : 'towns'}`;
const categoriesPath = (lang: Lang) => `/${lang}/admin/categories`;

interface Tool {
  href: string;
  label: string;
  desc?: string;
  /** Extra line under the link (the pending count). */
  extra?: string;
}

/**
 * The operator's home: every tool the signed-in admin may use, grouped. Region admins see all of
 * them; an association admin sees only its association's tools; a funder only the impact report
 * (the pages behind the links check the same rights again). Anyone else gets what every admin page
 * answers (login redirect, 403).
 */
export default async function adminHomeRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  for (const lang of ['fr', 'en'] as const) {
    app.get(adminHomePath(lang), { schema: { hide: true } }, async (req, reply) => {
      const user = await requireImpactReader(req, ctx);
      const scope = adminScope(user);
      // A funder without an admin role: the impact report only, no merchant figures.
      const funderOnly = !scope.all && scope.associationIds.length === 0;
      const [pending, associations] = await Promise.all([
        funderOnly ? Promise.resolve([]) : listMerchantsForAdmin(db, scope, 'pending'),
        scope.all ? Promise.resolve([]) : associationsByIds(db, scope.associationIds),
      ]);
      const a = `/${lang}/admin`;
      const merchants: Tool[] = [
        {
          href: adminMerchantsPath(lang),
          label: t(lang, 'console.merchants_link'),
          desc: t(lang, 'console.merchants_desc'),
          extra: tp(lang, 'console.pending_n', pending.length),
        },
      ];
      const regionImpact: Tool = {
        href: `${a}/impact`,
        label: t(lang, 'console.impact_link'),
        desc: t(lang, 'console.impact_desc'),
      };
      const adminGroups: { key: string; title: string; tools: Tool[] }[] = scope.all
        ? [
            { key: 'merchants', title: t(lang, 'console.group_merchants'), tools: merchants },
            {
              key: 'associations',
              title: t(lang, 'console.group_associations'),
              tools: [
                {
                  href: `${a}/associations`,
                  label: t(lang, 'console.associations_link'),
                  desc: t(lang, 'console.associations_desc'),
                },
              ],
            },
            {
              key: 'campaigns',
              title: t(lang, 'console.group_campaigns'),
              tools: [
                {
                  href: `${a}/campaigns`,
                  label: t(lang, 'console.campaigns_link'),
                  desc: t(lang, 'console.campaigns_desc'),
                },
                {
                  href: `${a}/gift-cards`,
                  label: t(lang, 'console.giftcards_link'),
                  desc: t(lang, 'console.giftcards_desc'),
                },
              ],
            },
            {
              key: 'impact',
              title: t(lang, 'console.group_impact'),
              tools: [
                {
                  href: `${a}/impact`,
                  label: t(lang, 'console.impact_link'),
                  desc: t(lang, 'console.impact_desc'),
                },
              ],
            },
            {
              key: 'region',
              title: t(lang, 'console.group_region'),
              tools: [
                {
                  href: regionPath(lang),
                  label: t(lang, 'console.region_link'),
                  desc: t(lang, 'console.region_desc'),
                },
                {
                  href: townsPath(lang),
                  label: t(lang, 'console.towns_link'),
                  desc: t(lang, 'console.towns_desc'),
                },
                {
                  href: categoriesPath(lang),
                  label: t(lang, 'console.categories_link'),
                  desc: t(lang, 'console.categories_desc'),
                },
              ],
            },
            {
              key: 'operators',
              title: t(lang, 'console.group_people'),
              tools: [
                {
                  href: operatorsPath(lang),
                  label: t(lang, 'console.operators_link'),
                  desc: t(lang, 'console.operators_desc'),
                },
              ],
            },
          ]
        : [
            { key: 'merchants', title: t(lang, 'console.group_merchants'), tools: merchants },
            {
              key: 'associations',
              title: t(lang, 'console.group_associations'),
              tools: associations.map((x) => ({
                href: `${a}/associations/${x.slug}`,
                label: t(lang, 'console.association_link', { name: x.name }),
                desc: t(lang, 'console.associations_desc'),
              })),
            },
            {
              key: 'campaigns',
              title: t(lang, 'console.group_campaigns'),
              tools: [
                {
                  href: `${a}/campaigns`,
                  label: t(lang, 'console.campaigns_link'),
                  desc: t(lang, 'console.campaigns_desc'),
                },
                ...associations.map((x) => ({
                  href: `${a}/gift-cards?association=${x.slug}`,
                  label: `${t(lang, 'console.giftcards_link')} · ${x.name}`,
                  desc: t(lang, 'console.giftcards_desc'),
                })),
              ],
            },
            {
              key: 'impact',
              title: t(lang, 'console.group_impact'),
              tools: [
                // An association admin who also funds the region reads the region's report too.
                ...(isFunder(user) ? [regionImpact] : []),
                ...associations.map((x) => ({
                  href: `${a}/impact?association=${x.slug}`,
                  label: `${t(lang, 'console.impact_link')} · ${x.name}`,
                  desc: t(lang, 'console.impact_desc'),
                })),
              ],
            },
          ];
      const groups = funderOnly
        ? [{ key: 'impact', title: t(lang, 'console.group_impact'), tools: [regionImpact] }]
        : adminGroups;

      const pc = await pageContext(req, reply, ctx, lang, { title: t(lang, 'console.title') });
      const body = html`<section class="admin console">
        <h1>${t(lang, 'console.title')}</h1>
        <p>
          ${
            funderOnly
              ? t(lang, 'funder.intro')
              : scope.all
                ? t(lang, 'console.intro_region')
                : t(lang, 'console.intro_association', {
                    associations: associations.map((x) => x.name).join(', '),
                  })
          }
        </p>
        <ul class="cards">
          ${groups.map(
            (g) => html`<li class="card" data-group=${g.key}>
              <h2 id=${`g-${g.key}`}>${g.title}</h2>
              <ul aria-labelledby=${`g-${g.key}`}>
                ${g.tools.map(
                  (tool) => html`<li>
                    <a href=${tool.href}>${tool.label}</a>
                    ${tool.extra ? html`<br /><strong data-pending=${pending.length}>${tool.extra}</strong>` : null}
                    ${tool.desc ? html`<br /><small>${tool.desc}</small>` : null}
                  </li>`,
                )}
              </ul>
            </li>`,
          )}
        </ul>
      </section>`;
      return sendHtml(reply.header('cache-control', 'no-store'), renderDocument(Layout(pc, body)));
    });
  }
}
