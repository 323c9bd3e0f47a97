/**
 * The impact report as a PDF (A4, one or more pages): title and period, the headline figures in
 * boxes, then sales by month, by town and by association as tables with a bar in each row.
 * Written with the small dependency-free writer of src/lib/pdf.
 */
import { formatMoney, type Lang, t } from '../../i18n/index.ts';
import { A4, PdfDocument, textWidth } from '../../lib/pdf/pdf.ts';

/** What the PDF shows: texts already formatted in the reader's language. */
export interface ImpactPdfInput {
  lang: Lang;
  title: string;
  scopeName: string;
  regionName: string;
  periodText: string;
  generatedText: string;
  color: string;
  cards: { label: string; value: string; hint: string }[];
  tables: {
    title: string;
    head: [string, string, string, string];
    rows: { label: string; orders: number; cents: number }[];
    note?: string;
  }[];
  totalCents: number;
}

const M = 42; // page margin
const INK = '#1a1a1a';
const MUTED = '#555b63';

/** The report PDF. */
export function impactPdf(p: ImpactPdfInput): Buffer {
  const doc = new PdfDocument({
    title: `${p.title} — ${p.scopeName}`,
    lang: p.lang === 'fr' ? 'fr-CA' : 'en-CA',
  });
  let page = 1;
  const footer = () => {
    doc.line(M, 34, A4.width - M, 34);
    doc.text(M, 22, t(p.lang, 'impact_report.pdf_footer', { region: p.regionName, page }), {
      size: 8,
      color: MUTED,
    });
    doc.text(A4.width - M, 22, p.generatedText, { size: 8, color: MUTED, align: 'right' });
  };
  let y = A4.height - M;
  const need = (h: number) => {
    if (y - h < 56) {
      footer();
      doc.addPage();
      page++;
      y = A4.height - M;
    }
  };

  doc.rect(M, y - 4, 6, 30, p.color);
  doc.text(M + 14, y + 8, p.title, { size: 20, bold: true, color: INK });
  y -= 22;
  doc.text(M + 14, y + 4, p.scopeName, { size: 13, color: INK });
  y -= 22;
  doc.text(M, y, p.periodText, { size: 11, bold: true, color: INK });
  y -= 24;

  // Headline figures: two columns of boxes.
  const colW = (A4.width - 2 * M - 12) / 2;
  const boxH = 62;
  p.cards.forEach((c, i) => {
    const col = i % 2;
    if (col === 0) need(boxH + 10);
    const x = M + col * (colW + 12);
    const top = y;
    doc.rect(x, top - boxH, colW, boxH, '#f2f4f7');
    doc.rect(x, top - boxH, 3, boxH, p.color);
    doc.text(x + 12, top - 16, c.label, { size: 9, color: MUTED });
    const inner = colW - 20;
    const size = Math.max(9, Math.min(18, (18 * inner) / Math.max(1, textWidth(c.value, 18, true))));
    doc.text(x + 12, top - 38, fit(c.value, inner, size, true), { size, bold: true, color: INK });
    doc.text(x + 12, top - 54, fit(c.hint, inner, 7.5), { size: 7.5, color: MUTED });
    if (col === 1 || i === p.cards.length - 1) y -= boxH + 10;
  });
  y -= 8;

  const cols = [M, A4.width - M - 250, A4.width - M - 150, A4.width - M];
  for (const table of p.tables) {
    need(60);
    doc.text(M, y, table.title, { size: 13, bold: true, color: INK });
    y -= 18;
    doc.text(cols[0] as number, y, table.head[0], { size: 9, bold: true, color: MUTED });
    doc.text((cols[1] as number) + 40, y, table.head[1], {
      size: 9,
      bold: true,
      color: MUTED,
      align: 'right',
    });
    doc.text(cols[2] as number, y, table.head[2], { size: 9, bold: true, color: MUTED, align: 'right' });
    doc.text(cols[3] as number, y, table.head[3], { size: 9, bold: true, color: MUTED, align: 'right' });
    y -= 6;
    doc.line(M, y, A4.width - M, y, '#9aa1ab');
    const max = Math.max(1, ...table.rows.map((r) => r.cents));
    for (const r of table.rows) {
      need(18);
      y -= 14;
      doc.text(cols[0] as number, y, fit(r.label, (cols[1] as number) - M - 20, 10), {
        size: 10,
        color: INK,
      });
      doc.text((cols[1] as number) + 40, y, String(r.orders), { size: 10, color: INK, align: 'right' });
      doc.text(cols[2] as number, y, formatMoney(r.cents, p.lang), { size: 10, color: INK, align: 'right' });
      const share = p.totalCents ? r.cents / p.totalCents : 0;
      doc.rect((cols[2] as number) + 14, y - 1, Math.max(0.5, 60 * (r.cents / max)), 8, p.color);
      doc.text(cols[3] as number, y, pct(share, p.lang), { size: 10, color: INK, align: 'right' });
      y -= 4;
      doc.line(M, y, A4.width - M, y);
    }
    if (!table.rows.length) {
      y -= 14;
      doc.text(M, y, t(p.lang, 'impact_report.none'), { size: 10, color: MUTED });
    }
    if (table.note) {
      y -= 14;
      doc.text(M, y, table.note, { size: 8, color: MUTED });
    }
    y -= 22;
  }
  footer();
  return doc.toBuffer();
}

/** The text, shortened with "…" to fit `width` points. */
function fit(text: string, width: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= width) return text;
  let cut = text;
  while (cut.length > 1 && textWidth(`${cut}…`, size, bold) > width) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

// Built once per language (an Intl formatter costs far more to build than to use).
const pctFormats: Record<Lang, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat('fr-CA', { style: 'percent', maximumFractionDigits: 1 }),
  en: new Intl.NumberFormat('en-CA', { style: 'percent', maximumFractionDigits: 1 }),
};

/** "12,5 %" (fr-CA) / "12.5%" (en-CA). */
export function pct(x: number, lang: Lang): string {
  return pctFormats[lang].format(x).replace(/[\u202f]/g, '\u00a0');
}
