import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Lang } from '../../i18n/index.ts';
import { formatDate, formatMoney, t } from '../../i18n/index.ts';
import { type FieldIssue, notFound, ValidationError } from '../../lib/errors.ts';
import {
  findAssociationById,
  findAssociationBySlug,
  listAssociations,
} from '../../modules/associations/index.ts';
import {
  customPeriod,
  customPeriodSchema,
  type ImpactFigures,
  impactCsv,
  impactFigures,
  launchDay,
  PERIOD_PRESETS,
  type PeriodPreset,
  presetPeriod,
  type ReportPeriod,
} from '../../modules/impact/index.ts';
import { impactScope, requireImpactReader } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { ErrorSummary, issuesToErrors } from '../merchant/forms.ts';
import { cachedRegion, pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { html, renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';
import { barChartSvg, columnChartSvg, narrowBarChartSvg } from './impact-charts.ts';
import { type ImpactPdfInput, impactPdf, pct } from './impact-pdf.ts';

const query = z.object({
  association: z.string().max(80).optional(),
  period: z.enum([...PERIOD_PRESETS, 'custom']).optional(),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  format: z.enum(['html', 'csv', 'pdf']).default('html'),
  view: z.enum(['print']).optional(),
});
type Query = z.infer<typeof query>;

// Intl formatters are costly to build: one per language, kept.
const perLang = <T>(make: (locale: string) => T): Record<Lang, T> => ({
  fr: make('fr-CA'),
  en: make('en-CA'),
});
const dayFormats = perLang((l) => new Intl.DateTimeFormat(l, { dateStyle: 'long', timeZone: 'UTC' }));
const monthFormats = perLang(
  (l) => new Intl.DateTimeFormat(l, { month: 'long', year: 'numeric', timeZone: 'UTC' }),
);
const shortMonthFormats = perLang((l) => new Intl.DateTimeFormat(l, { month: 'short', timeZone: 'UTC' }));
const shortMonthYearFormats = perLang(
  (l) => new Intl.DateTimeFormat(l, { month: 'short', year: 'numeric', timeZone: 'UTC' }),
);
const countFormats = perLang((l) => new Intl.NumberFormat(l));

/** "1 novembre 2026" / "November 1, 2026" for a local day. */
function longDay(day: string, lang: Lang) {
  return dayFormats[lang].format(new Date(`${day}T12:00:00Z`));
}

/** "nov. 2026" / "Nov 2026" for a month. */
function shortMonth(month: string, lang: Lang, withYear: boolean) {
  return (withYear ? shortMonthYearFormats : shortMonthFormats)[lang].format(
    new Date(`${month}-15T12:00:00Z`),
  );
}

/** "novembre 2026" / "November 2026". */
function longMonth(month: string, lang: Lang) {
  return monthFormats[lang].format(new Date(`${month}-15T12:00:00Z`));
}

/** "1 234" / "1,234". */
const count = (n: number, lang: Lang) => countFormats[lang].format(n);

function generatedAt(lang: Lang, now: Date, timeZone: string) {
  return t(lang, 'impact_report.generated', { date: formatDate(now.toISOString(), lang, timeZone) });
}

/**
 * Local impact report: the region (region admins) or one association (its admins). Headline
 * figures, SVG charts each followed by its table, period presets or custom days (errors beside
 * the fields) in the region's time zone (its settings), a printable view, PDF and CSV downloads.
 */
export default async function adminImpactRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  /** Who may see which scope: 401/403/404 exactly as the other admin pages. */
  async function resolveScope(req: FastifyRequest, q: Query) {
    let association: Awaited<ReturnType<typeof findAssociationBySlug>>;
    if (q.association) {
      association = await findAssociationBySlug(db, q.association);
      if (!association) {
        await requireImpactReader(req, ctx);
        throw notFound('association');
      }
      await requireImpactReader(req, ctx, association.id);
    } else {
      // Region admins and funders read the region; an association admin its association.
      const scope = impactScope(await requireImpactReader(req, ctx));
      if (!scope.all) association = await findAssociationById(db, scope.associationIds[0] as number);
    }
    return association;
  }

  /** The period asked for: a preset, or custom days (field errors), since launch by default. */
  async function resolvePeriod(
    q: Query,
    associationId: number | undefined,
    timeZone: string,
  ): Promise<{ period?: ReportPeriod; issues?: FieldIssue[]; from: string; to: string }> {
    const now = new Date();
    const custom = q.period === 'custom' || (!q.period && (q.from !== undefined || q.to !== undefined));
    if (!custom) {
      const preset: PeriodPreset = (q.period as PeriodPreset | undefined) ?? 'since_launch';
      const p = presetPeriod(
        preset,
        now,
        timeZone,
        preset === 'since_launch' ? await launchDay(db, timeZone, associationId) : undefined,
      );
      return { period: p, from: p.from, to: p.to };
    }
    const input = { from: q.from ?? '', to: q.to ?? '' };
    const r = customPeriodSchema.safeParse(input);
    if (!r.success) {
      // The first problem of each field (a missing date, not also "before the start").
      const first: Record<string, string> = {};
      for (const i of r.error.issues) first[String(i.path[0] ?? 'from')] ??= i.message;
      return { issues: Object.entries(first).map(([field, message]) => ({ field, message })), ...input };
    }
    return { period: customPeriod(r.data.from, r.data.to, timeZone), ...input };
  }

  for (const lang of ['fr', 'en'] as Lang[]) {
    const base = `/${lang}/admin/impact`;
    app.get(base, { schema: { hide: true, querystring: query } }, async (req, reply) => {
      const q = req.query as Query;
      const association = await resolveScope(req, q);
      const timeZone = (await cachedRegion(ctx)).timezone;
      const resolved = await resolvePeriod(q, association?.id, timeZone);
      if (resolved.issues && q.format !== 'html') throw new ValidationError(resolved.issues);
      const errors = resolved.issues ? issuesToErrors(lang, resolved.issues) : undefined;

      const period = resolved.period;
      const f = period
        ? await impactFigures(db, {
            from: period.fromUtc,
            to: period.toUtc,
            associationId: association?.id,
            timeZone,
          })
        : undefined;
      const pc = await pageContext(req, reply, ctx, lang, {
        title: `${t(lang, 'impact.title')}${association ? ` · ${association.name}` : ''}`,
        styles: [
          '/static/css/impact.css?v=2',
          ...(q.view === 'print' ? ['/static/css/impact-print.css?v=1'] : []),
        ],
      });
      const scopeName = association?.name ?? pc.region.name;
      const color = association?.primary_color ?? pc.region.primary_color;
      const fileBase = `impact-${association?.slug ?? 'region'}-${resolved.from}-${resolved.to}`;
      const now = new Date();

      if (f && period && q.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${fileBase}.csv"`)
          .header('cache-control', 'no-store')
          .send(impactCsv(f));
      }
      if (f && period && q.format === 'pdf') {
        const pdf = impactPdf({
          lang,
          title: t(lang, 'impact_report.pdf_title'),
          scopeName,
          regionName: pc.region.name,
          periodText: `${longDay(period.from, lang)} – ${longDay(period.to, lang)}`,
          generatedText: generatedAt(lang, now, timeZone),
          color,
          cards: headlineCards(f, lang),
          totalCents: f.sales_cents,
          tables: Object.values(breakdowns(f, lang)),
        });
        return reply
          .type('application/pdf')
          .header('content-disposition', `attachment; filename="${fileBase}.pdf"`)
          .header('cache-control', 'no-store')
          .send(pdf);
      }

      const periodText = period
        ? t(lang, 'impact_report.lead', {
            name: scopeName,
            from: longDay(period.from, lang),
            to: longDay(period.to, lang),
          })
        : '';

      const scope = impactScope(await requireImpactReader(req, ctx));
      const associations = scope.all
        ? await listAssociations(db)
        : (await listAssociations(db)).filter((a) => scope.associationIds.includes(a.id));
      const selected = period?.preset ?? 'custom';
      const link = (extra: Record<string, string>) =>
        `${base}?${new URLSearchParams({
          ...(association ? { association: association.slug } : {}),
          ...(period?.preset === 'custom' || !period
            ? { period: 'custom', from: resolved.from, to: resolved.to }
            : { period: period.preset }),
          ...extra,
        })}`;

      const fieldErr = (name: 'from' | 'to') =>
        errors?.[name]
          ? html`<p class="field-error" id=${`f-${name}-error`} role="alert">${errors[name]}</p>`
          : null;
      const dateField = (
        name: 'from' | 'to',
      ) => html`<div class=${errors?.[name] ? 'field has-error' : 'field'}>
        <label for=${`f-${name}`}>${t(lang, `impact_report.${name}`)}</label>
        <input
          id=${`f-${name}`}
          name=${name}
          type="date"
          value=${resolved[name]}
          aria-invalid=${errors?.[name] ? 'true' : undefined}
          aria-describedby=${errors?.[name] ? `f-${name}-error impact-date-hint` : 'impact-date-hint'}
        />
        ${fieldErr(name)}
      </div>`;

      const print = q.view === 'print';
      const body = html`<section class=${`admin impact-report${print ? ' impact-print' : ''}`}>
        <header class="page-head">
          <h1>${t(lang, 'impact.title')} — ${scopeName}</h1>
        </header>
        ${period ? html`<p class="lead" data-period=${`${period.from}/${period.to}`}>${periodText}</p>` : null}
        <form method="get" action=${base} class="impact-controls no-print" novalidate>
          ${ErrorSummary(lang, errors)}
          ${
            associations.length > 1 || scope.all
              ? html`<div class="field">
                  <label for="i-scope">${t(lang, 'impact.scope')}</label>
                  <select id="i-scope" name="association">
                    ${scope.all ? html`<option value="">${t(lang, 'impact.region')}</option>` : null}
                    ${associations.map((a) => html`<option value=${a.slug} selected=${a.id === association?.id}>${a.name}</option>`)}
                  </select>
                </div>`
              : association
                ? html`<input type="hidden" name="association" value=${association.slug} />`
                : null
          }
          <fieldset class="presets">
            <legend>${t(lang, 'impact_report.period')}</legend>
            ${[...PERIOD_PRESETS, 'custom'].map(
              (p) => html`<label class="check">
                <input type="radio" name="period" value=${p} checked=${selected === p} />
                ${t(lang, `impact_report.preset.${p}`)}
              </label>`,
            )}
          </fieldset>
          <div class="dates">
            ${dateField('from')} ${dateField('to')}
          </div>
          <p class="hint" id="impact-date-hint">${t(lang, 'impact_report.date_hint')}</p>
          <button type="submit">${t(lang, 'impact_report.apply')}</button>
        </form>
        ${f && period ? reportBody(f, period, lang, color, link) : null}
        ${f ? html`<p class="generated">${generatedAt(lang, now, timeZone)}</p>` : null}
      </section>`;
      return sendHtml(
        reply.header('cache-control', 'no-store'),
        renderDocument(Layout(pc, body)),
        errors ? 400 : 200,
      );
    });
  }
}

function headlineCards(f: ImpactFigures, lang: Lang) {
  const topTown = f.by_municipality[0];
  const topAssoc = f.by_association[0];
  const share = (c: number) => pct(f.sales_cents ? c / f.sales_cents : 0, lang);
  return [
    {
      key: 'sales',
      label: t(lang, 'impact_report.sales'),
      value: formatMoney(f.sales_cents, lang),
      hint: t(lang, 'impact_report.sales_hint'),
    },
    {
      key: 'orders',
      label: t(lang, 'impact_report.orders'),
      value: count(f.orders, lang),
      hint: t(lang, 'impact_report.orders_hint', { pickup: f.pickup_orders, delivery: f.delivery_orders }),
    },
    {
      key: 'active',
      label: t(lang, 'impact_report.active_merchants'),
      value: count(f.active_merchants, lang),
      hint: t(lang, 'impact_report.active_hint', { n: f.merchants }),
    },
    {
      key: 'quebec_sales',
      label: t(lang, 'impact_report.qc_sales'),
      value: pct(f.quebec_share, lang),
      hint: t(lang, 'impact_report.qc_sales_hint', { amount: formatMoney(f.quebec_sales_cents, lang) }),
    },
    {
      key: 'quebec_catalogue',
      label: t(lang, 'impact_report.qc_catalogue'),
      value: pct(f.quebec_catalogue_share, lang),
      hint: t(lang, 'impact_report.qc_catalogue_hint', {
        n: count(f.catalogue_quebec_products, lang),
        total: count(f.catalogue_products, lang),
      }),
    },
    {
      key: 'gc_float',
      label: t(lang, 'impact_report.gc_float'),
      value: formatMoney(f.giftcards.float_paid_cents + f.giftcards.float_bonus_cents, lang),
      hint: t(lang, 'impact_report.gc_float_hint', {
        bonus: formatMoney(f.giftcards.float_bonus_cents, lang),
        sold: formatMoney(f.giftcards.sold_cents, lang),
      }),
    },
    {
      key: 'gc_redeemed',
      label: t(lang, 'impact_report.gc_redeemed'),
      value: formatMoney(f.giftcards.redeemed_cents, lang),
      hint: t(lang, 'impact_report.gc_redeemed_hint'),
    },
    {
      key: 'top_town',
      label: t(lang, 'impact_report.top_town'),
      value: topTown?.municipality ?? t(lang, 'impact_report.none'),
      hint: topTown
        ? t(lang, 'impact_report.top_hint', {
            sales: formatMoney(topTown.sales_cents, lang),
            share: share(topTown.sales_cents),
          })
        : '',
    },
    {
      key: 'top_association',
      label: t(lang, 'impact_report.top_association'),
      value: topAssoc?.name ?? t(lang, 'impact_report.none'),
      hint: topAssoc
        ? t(lang, 'impact_report.top_hint', {
            sales: formatMoney(topAssoc.sales_cents, lang),
            share: share(topAssoc.sales_cents),
          })
        : '',
    },
  ];
}

/** Sales by month, by town and by association: one table each, on the page (after its chart) and in the PDF. */
function breakdowns(f: ImpactFigures, lang: Lang): Record<'months' | 'towns' | 'associations', Breakdown> {
  const head = (first: string): [string, string, string, string] => [
    t(lang, first),
    t(lang, 'impact_report.orders'),
    t(lang, 'impact.sales'),
    t(lang, 'impact_report.share'),
  ];
  return {
    months: {
      title: t(lang, 'impact_report.by_month'),
      head: head('impact_report.month'),
      rows: f.months.map((m) => ({
        label: longMonth(m.month, lang),
        orders: m.orders,
        cents: m.sales_cents,
      })),
    },
    towns: {
      title: t(lang, 'impact_report.by_town'),
      head: head('impact_report.municipality'),
      rows: f.by_municipality.map((m) => ({ label: m.municipality, orders: m.orders, cents: m.sales_cents })),
    },
    associations: {
      title: t(lang, 'impact_report.by_association'),
      head: head('impact_report.association'),
      rows: f.by_association.map((a) => ({ label: a.name, orders: a.orders, cents: a.sales_cents })),
      note: t(lang, 'impact_report.by_association_note'),
    },
  };
}
type Breakdown = ImpactPdfInput['tables'][number];

function reportBody(
  f: ImpactFigures,
  period: ReportPeriod,
  lang: Lang,
  color: string,
  link: (extra: Record<string, string>) => string,
) {
  const share = (c: number) => pct(f.sales_cents ? c / f.sales_cents : 0, lang);
  const from = longDay(period.from, lang);
  const to = longDay(period.to, lang);
  const { months, towns, associations } = breakdowns(f, lang);
  const monthPoints = f.months.map((m, i) => ({
    label: shortMonth(m.month, lang, i === 0 || m.month.endsWith('-01')),
    cents: m.sales_cents,
  }));
  // Each chart twice: the wide form, and the phone form (one bar per row, name above it) that the
  // stylesheet shows instead below 640 px; the one not shown is display:none (not read either).
  const narrow = (id: string, b: Breakdown, desc: string) =>
    narrowBarChartSvg(`chart-${id}-n`, b.rows, { title: b.title, desc, lang, color });
  const bars = (id: string, b: Breakdown, desc: string) =>
    b.rows.length
      ? barChartSvg(`chart-${id}`, b.rows, { title: b.title, desc, lang, color }) + narrow(id, b, desc)
      : undefined;
  // A chart, then the table of the same figures.
  const section = (id: string, headingId: string, b: Breakdown, chart: string | undefined) => html`<section
    class="card chart-card"
    aria-labelledby=${headingId}
  >
    <h2 id=${headingId}>${b.title}</h2>
    ${
      chart === undefined
        ? null
        : html`<div class="chart-wrap" dangerouslySetInnerHTML=${{ __html: chart }}></div>`
    }
    <div class="table-wrap" role="region" aria-labelledby=${`table-${id}-cap`} tabindex="0">
      <table class="data" id=${`table-${id}`}>
        <caption id=${`table-${id}-cap`}>${b.title}</caption>
        <thead>
          <tr>
            <th scope="col">${b.head[0]}</th>
            ${b.head.slice(1).map((h) => html`<th scope="col" class="num">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${b.rows.map(
            (r) => html`<tr>
              <th scope="row">${r.label}</th>
              <td class="num" data-label=${b.head[1]}>${count(r.orders, lang)}</td>
              <td class="num" data-label=${b.head[2]}>${formatMoney(r.cents, lang)}</td>
              <td class="num" data-label=${b.head[3]}>${share(r.cents)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${b.note ? html`<p class="hint">${b.note}</p>` : null}
  </section>`;
  return html`
    <h2 id="kpi-h" class="sr">${t(lang, 'impact_report.headline')}</h2>
    <dl class="kpis" aria-labelledby="kpi-h">
      ${headlineCards(f, lang).map(
        (c) => html`<div class="card kpi" data-figure=${c.key}>
          <dt>${c.label}</dt>
          <dd class=${c.key.startsWith('top_') ? 'kpi-value kpi-text' : 'kpi-value'}>${c.value}</dd>
          ${c.hint ? html`<dd class="kpi-hint">${c.hint}</dd>` : null}
        </div>`,
      )}
    </dl>
    ${f.orders === 0 ? html`<p class="empty">${t(lang, 'impact_report.empty')}</p>` : null}
    ${section(
      'months',
      'months-h',
      months,
      columnChartSvg('chart-months', monthPoints, {
        title: months.title,
        desc: t(lang, 'impact_report.by_month_desc', { from, to }),
        lang,
        color,
      }) + narrow('months', months, t(lang, 'impact_report.by_month_desc', { from, to })),
    )}
    ${section('towns', 'towns-h', towns, bars('towns', towns, t(lang, 'impact_report.by_town_desc')))}
    ${section('associations', 'assoc-h', associations, bars('associations', associations, associations.note ?? ''))}
    <section class="downloads no-print" aria-labelledby="dl-h">
      <h2 id="dl-h">${t(lang, 'impact_report.downloads')}</h2>
      <p class="actions">
        <a class="button" href=${link({ format: 'pdf' })} data-download="pdf">${t(lang, 'impact_report.pdf')}</a>
        <a class="button secondary" href=${link({ format: 'csv' })} data-download="csv">${t(lang, 'impact_report.csv')}</a>
        <a class="button secondary" href=${link({ view: 'print' })}>${t(lang, 'impact_report.print')}</a>
      </p>
    </section>`;
}
