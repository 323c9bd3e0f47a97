import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { formatMoney } from '../../src/i18n/index.ts';
import { localMidnightUtc, presetPeriod } from '../../src/modules/impact/index.ts';
import { setRegion } from '../../src/modules/region/index.ts';
import { TEST_DB_KIND } from '../helpers/db.ts';
import { placeOrder } from '../helpers/factories.ts';
import { type MiniRegion, seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';
import { Agent, signedInAgent } from '../helpers/session.ts';

/** The text of a `data-figure` card's value on the page. */
function figure(body: string, key: string): string | undefined {
  const m = new RegExp(
    `data-figure="${key}"[^>]*>\\s*<dt>[^<]*</dt>\\s*<dd class="kpi-value[^"]*">([^<]*)</dd>`,
  ).exec(body);
  return m?.[1];
}

/** Checks the PDF's structure: header, every xref offset points at its object, trailer, EOF. */
function assertValidPdf(buf: Buffer) {
  const s = buf.toString('latin1');
  assert.ok(s.startsWith('%PDF-1.'), 'PDF header');
  assert.ok(s.trimEnd().endsWith('%%EOF'), 'EOF marker');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\s*$/.exec(s)?.[1]);
  assert.equal(s.slice(startxref, startxref + 4), 'xref');
  const xref = s.slice(startxref).split('\n');
  const count = Number(xref[1]?.split(' ')[1]);
  assert.ok(count > 4);
  for (let i = 1; i < count; i++) {
    const off = Number(xref[2 + i]?.slice(0, 10));
    assert.ok(s.startsWith(`${i} 0 obj`, off), `object ${i} at ${off}`);
  }
  // Each content stream's /Length is its exact byte length.
  for (const m of s.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const start = (m.index ?? 0) + m[0].length;
    assert.equal(s.slice(start + Number(m[1]), start + Number(m[1]) + 10), '\nendstream');
  }
}

/** A PDF text string as the writer encodes it (WinAnsi, parentheses escaped). */
const pdfText = (s: string) =>
  `(${s
    .replace(/\u202f/g, '\u00a0')
    .replace(/’/g, '\x92')
    .replace(/[()\\]/g, (c) => `\\${c}`)})`;
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The mini region's time zone (its settings' default). */
const TZ = 'America/Toronto';

describe(`impact report for funders (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let r: MiniRegion;
  const agents: Record<string, Agent> = {};
  let totals: { aylmer: number; chelsea: number; orders: number };

  const user = (email: string, roles: { role: string; merchant_id?: number; association_id?: number }[]) =>
    signedInAgent(p.app, p.context.database.db, email, roles, `10.0.1.${Object.keys(agents).length + 10}`);

  before(async () => {
    p = await createTestPlatform();
    r = await seedMiniRegion(p.context.database.db);
    agents.region = await user('region@example.org', [{ role: 'region_admin' }]);
    agents.aylmer = await user('aylmer@example.org', [
      { role: 'association_admin', association_id: r.associations.aylmer },
    ]);
    agents.owner = await user('owner@example.org', [
      { role: 'merchant_owner', merchant_id: r.merchants.erabliere.merchant_id },
    ]);
    agents.anonymous = new Agent(p.app, '10.0.1.99');
    // Three real checkouts: two at the Aylmer maple shop, one at the Chelsea sports shop.
    const pay = { extra: { payment: { method: 'in_store' } } };
    const a1 = await placeOrder(p.app, [[r.products.sirop, 2]], r.merchants.erabliere, pay);
    const a2 = await placeOrder(p.app, [[r.products.oeufs, 1]], r.merchants.erabliere, pay);
    const c1 = await placeOrder(p.app, [[r.products.chaussures, 1]], r.merchants.sports, pay);
    totals = {
      aylmer: Number(a1.checkout.total_cents) + Number(a2.checkout.total_cents),
      chelsea: Number(c1.checkout.total_cents),
      orders: 3,
    };
  });
  after(() => p.close());

  test('presets are calendar days in America/Toronto, stored as UTC instants', () => {
    // 2026-04-01 02:00 UTC is still March 31 (22:00 EDT) in Toronto.
    const now = new Date('2026-04-01T02:00:00Z');
    assert.deepEqual(presetPeriod('this_month', now, TZ), {
      preset: 'this_month',
      from: '2026-03-01',
      to: '2026-03-31',
      fromUtc: '2026-03-01T05:00:00.000Z', // EST
      toUtc: '2026-04-01T04:00:00.000Z', // EDT after the March 8 change
    });
    const last = presetPeriod('last_month', now, TZ);
    assert.deepEqual(
      [last.from, last.to, last.fromUtc, last.toUtc],
      ['2026-02-01', '2026-02-28', '2026-02-01T05:00:00.000Z', '2026-03-01T05:00:00.000Z'],
    );
    const q = presetPeriod('last_quarter', now, TZ);
    assert.deepEqual(
      [q.from, q.to, q.fromUtc, q.toUtc],
      ['2025-10-01', '2025-12-31', '2025-10-01T04:00:00.000Z', '2026-01-01T05:00:00.000Z'],
    );
    const y = presetPeriod('this_year', now, TZ);
    assert.deepEqual(
      [y.from, y.to, y.fromUtc, y.toUtc],
      ['2026-01-01', '2026-12-31', '2026-01-01T05:00:00.000Z', '2027-01-01T05:00:00.000Z'],
    );
    const s = presetPeriod('since_launch', now, TZ, '2025-11-20');
    assert.deepEqual([s.from, s.to, s.toUtc], ['2025-11-20', '2026-03-31', '2026-04-01T04:00:00.000Z']);
    // Last quarter in the second quarter, and this month in November (EST again).
    const may = presetPeriod('last_quarter', new Date('2026-05-10T12:00:00Z'), TZ);
    assert.deepEqual([may.from, may.to], ['2026-01-01', '2026-03-31']);
    assert.equal(localMidnightUtc('2026-11-02', TZ), '2026-11-02T05:00:00.000Z');
    assert.equal(localMidnightUtc('2026-10-31', TZ), '2026-10-31T04:00:00.000Z');
  });

  test('headline figures add up to the orders placed, by town and by association', async () => {
    const res = await agents.region!.get('/fr/admin/impact?period=this_month');
    assert.equal(res.statusCode, 200);
    const all = totals.aylmer + totals.chelsea;
    assert.equal(figure(res.body, 'sales'), formatMoney(all, 'fr'));
    assert.equal(figure(res.body, 'orders'), '3');
    assert.equal(figure(res.body, 'active'), '2');
    assert.equal(figure(res.body, 'top_town'), totals.chelsea > totals.aylmer ? 'Chelsea' : 'Aylmer');
    // Charts: named SVGs with axes, each followed by a table with the same figures.
    assert.match(res.body, /<svg[^>]*role="img"[^>]*aria-labelledby="chart-months-t chart-months-d"/);
    assert.match(res.body, /<svg[^>]*aria-labelledby="chart-towns-t chart-towns-d"/);
    assert.match(res.body, /k\u00a0\$|\d\u00a0\$/); // y axis in fr-CA money
    const towns = /<table class="data" id="table-towns">([\s\S]*?)<\/table>/.exec(res.body)?.[1] ?? '';
    assert.match(
      towns,
      new RegExp(
        `Aylmer</th>\\s*<td class="num" data-label="Commandes">2</td>\\s*<td class="num" data-label="Ventes">${re(formatMoney(totals.aylmer, 'fr'))}`,
      ),
    );
    assert.match(
      towns,
      new RegExp(
        `Chelsea</th>\\s*<td class="num" data-label="Commandes">1</td>\\s*<td class="num" data-label="Ventes">${re(formatMoney(totals.chelsea, 'fr'))}`,
      ),
    );
    const months = /<table class="data" id="table-months">([\s\S]*?)<\/table>/.exec(res.body)?.[1] ?? '';
    assert.match(
      months,
      new RegExp(
        `<td class="num" data-label="Commandes">3</td>\\s*<td class="num" data-label="Ventes">${re(formatMoney(all, 'fr'))}</td>`,
      ),
    );
    // Québec share in sales (maple syrup is labelled, eggs and shoes are not) and in the catalogue.
    assert.match(figure(res.body, 'quebec_sales') ?? '', /^\d+(,\d)?\u00a0%$/);
    assert.equal(figure(res.body, 'quebec_catalogue'), '50\u00a0%'); // 3 of 6 products labelled
    // English: en-CA money and dates.
    const en = await agents.region!.get('/en/admin/impact?period=this_month');
    assert.equal(figure(en.body, 'sales'), formatMoney(all, 'en'));
    assert.match(
      en.body,
      /What online shopping brought to the local businesses of .*, from [A-Z][a-z]+ 1, \d{4} to/,
    );
    // Last month has none of them.
    const lastMonth = await agents.region!.get('/fr/admin/impact?period=last_month');
    assert.equal(figure(lastMonth.body, 'orders'), '0');
    assert.match(lastMonth.body, /Aucune commande pendant cette période/);
  });

  test('an association admin sees only its members; another association is 403', async () => {
    const own = await agents.aylmer!.get('/fr/admin/impact?period=since_launch');
    assert.equal(own.statusCode, 200);
    assert.equal(figure(own.body, 'sales'), formatMoney(totals.aylmer, 'fr'));
    assert.equal(figure(own.body, 'orders'), '2');
    assert.doesNotMatch(own.body, /Chelsea<\/th>/);
    for (const format of ['html', 'pdf', 'csv']) {
      const other = await agents.aylmer!.get(`/fr/admin/impact?association=chelsea&format=${format}`);
      assert.equal(other.statusCode, 403, format);
      assert.doesNotMatch(other.body, /%PDF|section,key|Sports/);
    }
    const pdf = await agents.aylmer!.get('/fr/admin/impact?period=this_month&format=pdf');
    assert.equal(pdf.statusCode, 200);
    assert.ok(!pdf.rawPayload.toString('latin1').includes('(Chelsea)'));
  });

  test('PDF download: a valid file with the period, the headline figures and the tables', async () => {
    const res = await agents.region!.get('/fr/admin/impact?period=this_month&format=pdf');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.match(
      String(res.headers['content-disposition']),
      /^attachment; filename="impact-region-\d{4}-\d{2}-01-\d{4}-\d{2}-\d{2}\.pdf"$/,
    );
    const buf = res.rawPayload;
    assert.ok(buf.length > 1500 && buf.length < 200_000, `size ${buf.length}`);
    assertValidPdf(buf);
    const text = buf.toString('latin1');
    const period = presetPeriod('this_month', new Date(), TZ);
    const fromText = new Intl.DateTimeFormat('fr-CA', { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${period.from}T12:00:00Z`),
    );
    for (const s of [
      'Rapport d’impact local',
      'Ventes chez les commerces locaux',
      formatMoney(totals.aylmer + totals.chelsea, 'fr'),
      formatMoney(totals.aylmer, 'fr'),
      formatMoney(totals.chelsea, 'fr'),
      'Ventes par municipalité',
      'Ventes par association',
      'Aylmer',
      'Chelsea',
    ])
      assert.ok(text.includes(pdfText(s)), `PDF shows ${s}`);
    assert.ok(text.includes(fromText.replace(/\u202f/g, '\u00a0')), 'PDF shows the period');
    const en = await agents.region!.get('/en/admin/impact?period=this_month&format=pdf');
    assertValidPdf(en.rawPayload);
    assert.ok(en.rawPayload.toString('latin1').includes(pdfText('Sales through local businesses')));
  });

  test('CSV as before, with months and the catalogue share', async () => {
    const res = await agents.region!.get('/en/admin/impact?period=this_month&format=csv');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/csv/);
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    assert.equal(rows.find((x) => x.section === 'total')?.orders, '3');
    assert.equal(
      rows.find((x) => x.section === 'total')?.sales_cents,
      String(totals.aylmer + totals.chelsea),
    );
    assert.equal(
      rows.filter((x) => x.section === 'month').reduce((s, x) => s + Number(x.sales_cents), 0),
      totals.aylmer + totals.chelsea,
    );
    assert.equal(rows.find((x) => x.section === 'quebec_catalogue_share')?.value, '0.5000');
  });

  test('bad custom dates: translated errors beside the fields, 400, no figures', async () => {
    const fr = await agents.region!.get('/fr/admin/impact?period=custom&from=2026-02-30&to=2026-01-01');
    assert.equal(fr.statusCode, 400);
    assert.match(fr.body, /id="f-from-error" role="alert">Indiquez une date réelle au format AAAA-MM-JJ\./);
    assert.match(fr.body, /id="f-from"[^>]*aria-invalid="true"/);
    assert.match(fr.body, /class="error-summary"/);
    assert.doesNotMatch(fr.body, /data-figure=/);
    const order = await agents.region!.get('/en/admin/impact?period=custom&from=2026-03-10&to=2026-03-01');
    assert.equal(order.statusCode, 400);
    assert.match(
      order.body,
      /id="f-to-error" role="alert">The end date must be on or after the start date\./,
    );
    const missing = await agents.region!.get('/fr/admin/impact?period=custom&from=2026-03-10');
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /id="f-to-error" role="alert">Indiquez une date\./);
    // A download with bad dates is a 400 error body, not a file.
    const pdf = await agents.region!.request({
      method: 'GET',
      url: '/en/admin/impact?from=nope&to=2026-01-01&format=pdf',
      headers: { accept: 'application/json' },
    });
    assert.equal(pdf.statusCode, 400);
    assert.equal((pdf.json() as { error: { code: string } }).error.code, 'validation_failed');
    // A good custom period (to included): the whole of today's local month.
    const p2 = presetPeriod('this_month', new Date(), TZ);
    const ok = await agents.region!.get(`/fr/admin/impact?period=custom&from=${p2.from}&to=${p2.to}`);
    assert.equal(ok.statusCode, 200);
    assert.equal(figure(ok.body, 'orders'), '3');
  });

  test('only operators: 401 / login redirect without a session, 403 for a merchant, nothing leaked', async () => {
    for (const format of ['html', 'pdf', 'csv']) {
      const url = `/fr/admin/impact?period=this_month&format=${format}`;
      const api = await agents.anonymous!.request({
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
      });
      assert.equal(api.statusCode, 401, url);
      const browser = await agents.anonymous!.get(url);
      assert.equal(browser.statusCode, 303, url);
      assert.match(String(browser.headers.location), /^\/fr\/connexion/);
      const merchant = await agents.owner!.get(url);
      assert.equal(merchant.statusCode, 403, url);
      for (const res of [api, browser, merchant]) {
        assert.doesNotMatch(res.body, /%PDF|section,key|data-figure|Chelsea/);
        assert.notEqual(res.headers['content-type'], 'application/pdf');
      }
    }
  });

  test('printable view hides the controls and keeps the figures', async () => {
    const res = await agents.region!.get('/fr/admin/impact?period=this_month&view=print');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /class="admin impact-report impact-print"/);
    assert.match(res.body, /href="\/static\/css\/impact\.css\?v=2"/);
    assert.equal(figure(res.body, 'orders'), '3');
  });
});

describe(`impact report in the region's own time zone (${TEST_DB_KIND})`, () => {
  let p: TestPlatform;
  let region: Agent;

  before(async () => {
    p = await createTestPlatform();
    const r = await seedMiniRegion(p.context.database.db);
    const db = p.context.database.db;
    // A region on the Pacific coast: its report days start at midnight in Vancouver, not Toronto.
    await setRegion(db, { timezone: 'America/Vancouver' });
    region = await signedInAgent(p.app, db, 'ops@example.org', [{ role: 'region_admin' }], '10.0.2.10');
    const pay = { extra: { payment: { method: 'in_store' } } };
    // October 31 at 23:30 in Vancouver (already November 1, 02:30, in Toronto), and September 30
    // at 23:30 (October 1 in Toronto).
    for (const at of ['2026-11-01T06:30:00.000Z', '2026-10-01T06:30:00.000Z']) {
      const { orders } = await placeOrder(p.app, [[r.products.sirop, 1]], r.merchants.erabliere, pay);
      await db.updateTable('orders').set({ created_at: at }).where('id', '=', orders[0]!.order_id).execute();
    }
  });
  after(() => p.close());

  test('presets are cut at local midnight of the given time zone', () => {
    const now = new Date('2026-11-01T06:30:00Z'); // Oct 31, 23:30 PDT
    const m = presetPeriod('this_month', now, 'America/Vancouver');
    assert.deepEqual(
      [m.from, m.to, m.fromUtc, m.toUtc],
      ['2026-10-01', '2026-10-31', '2026-10-01T07:00:00.000Z', '2026-11-01T07:00:00.000Z'],
    );
    assert.equal(presetPeriod('this_month', now, TZ).from, '2026-11-01');
  });

  test('an order at 23:30 local on the last day of the month counts in that month (page, CSV)', async () => {
    const csv = async (from: string, to: string) => {
      const res = await region.get(`/en/admin/impact?period=custom&from=${from}&to=${to}&format=csv`);
      assert.equal(res.statusCode, 200);
      return parse(res.body, { columns: true }) as Record<string, string>[];
    };
    const october = await csv('2026-10-01', '2026-10-31');
    const row = (rows: Record<string, string>[], section: string, key: string) =>
      rows.find((x) => x.section === section && x.key === key);
    assert.equal(row(october, 'total', 'all')?.orders, '1');
    assert.equal(row(october, 'month', '2026-10')?.orders, '1');
    assert.equal(row(october, 'day', '2026-10-31')?.orders, '1');
    assert.equal(row(october, 'day', '2026-10-01')?.orders, '0');
    assert.equal(row(october, 'month', '2026-11'), undefined);
    const november = await csv('2026-11-01', '2026-11-30');
    assert.equal(row(november, 'total', 'all')?.orders, '0');
    const september = await csv('2026-09-01', '2026-09-30');
    assert.equal(row(september, 'total', 'all')?.orders, '1');
    assert.equal(row(september, 'day', '2026-09-30')?.orders, '1');
    // The page: October's card counts the order; "since launch" starts on the first order's local day.
    const page = await region.get('/fr/admin/impact?period=custom&from=2026-10-01&to=2026-10-31');
    assert.equal(page.statusCode, 200);
    assert.equal(figure(page.body, 'orders'), '1');
    const launch = await region.get('/fr/admin/impact?period=since_launch');
    assert.match(launch.body, /data-period="2026-09-30\//);
  });
});
