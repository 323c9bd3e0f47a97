/**
 * A small PDF 1.4 writer without dependencies: A4 pages, text in the standard Helvetica and
 * Helvetica-Bold fonts (WinAnsiEncoding: French accents, no-break spaces, typographic quotes),
 * filled rectangles and lines. Content streams are left uncompressed so the text stays searchable
 * and extractable. Enough for a report of figures and tables; not a layout engine.
 */

/** A4 in PDF points. */
export const A4 = { width: 595.28, height: 841.89 } as const;

/** An RGB colour as `#rrggbb`. */
type Hex = string;

export interface TextOptions {
  size?: number;
  bold?: boolean;
  /** `x` is the left edge (default), the right edge or the centre of the text. */
  align?: 'left' | 'right' | 'center';
  color?: Hex;
}

// Helvetica advance widths (1/1000 em) for ASCII 32..126, from the standard AFM.
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

// Characters outside Latin-1 that WinAnsiEncoding has (0x80–0x9F).
const WIN_ANSI: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  '„': 0x84,
  '…': 0x85,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  œ: 0x9c,
  Œ: 0x8c,
  '\u202f': 0xa0,
  '\u2009': 0x20,
};

/** The WinAnsi byte of each character ('?' when the font cannot show it). */
function winAnsi(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 63;
    if (WIN_ANSI[ch] !== undefined) out.push(WIN_ANSI[ch]);
    else if ((c >= 32 && c < 127) || (c >= 0xa0 && c <= 0xff)) out.push(c);
    else out.push(63);
  }
  return out;
}

function charWidth(b: number): number {
  if (b >= 32 && b <= 126) return HELVETICA[b - 32] ?? 556;
  if (b === 0xa0) return 278;
  return 556; // accented letters and the rest: a typical letter width
}

/** Width in points of `text` at `size` (bold counted a little wider). */
export function textWidth(text: string, size: number, bold = false): number {
  const w = winAnsi(text).reduce((s, b) => s + charWidth(b), 0);
  return ((bold ? w * 1.06 : w) * size) / 1000;
}

function pdfString(text: string): string {
  let s = '(';
  for (const b of winAnsi(text)) {
    if (b === 0x28 || b === 0x29 || b === 0x5c) s += `\\${String.fromCharCode(b)}`;
    else s += String.fromCharCode(b);
  }
  return `${s})`;
}

function rgb(hex: Hex): string {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '0 0 0';
  return [m[1], m[2], m[3]].map((x) => (Number.parseInt(x as string, 16) / 255).toFixed(3)).join(' ');
}

const num = (n: number) => (Math.round(n * 100) / 100).toString();

/** A document being written: draw on the current page, `addPage()` for the next, `toBuffer()` at the end. */
export class PdfDocument {
  private pages: string[][] = [[]];
  private readonly info: { title: string; lang?: string };
  constructor(info: { title: string; lang?: string }) {
    this.info = info;
  }

  private get ops() {
    return this.pages[this.pages.length - 1] as string[];
  }

  /** Starts a new page. */
  addPage(): void {
    this.pages.push([]);
  }

  /** Text with its baseline at `y` (points from the bottom of the page). */
  text(x: number, y: number, text: string, o: TextOptions = {}): void {
    const size = o.size ?? 10;
    const w = o.align && o.align !== 'left' ? textWidth(text, size, o.bold) : 0;
    const left = o.align === 'right' ? x - w : o.align === 'center' ? x - w / 2 : x;
    this.ops.push(
      `BT ${rgb(o.color ?? '#1a1a1a')} rg /${o.bold ? 'F2' : 'F1'} ${num(size)} Tf ${num(left)} ${num(y)} Td ${pdfString(text)} Tj ET`,
    );
  }

  /** A filled rectangle (bottom-left corner at x, y). */
  rect(x: number, y: number, w: number, h: number, fill: Hex): void {
    this.ops.push(`${rgb(fill)} rg ${num(x)} ${num(y)} ${num(w)} ${num(h)} re f`);
  }

  /** A stroked line. */
  line(x1: number, y1: number, x2: number, y2: number, color: Hex = '#c9ced6', width = 0.5): void {
    this.ops.push(`${rgb(color)} RG ${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`);
  }

  /** The finished file. */
  toBuffer(): Buffer {
    const objects: string[] = [];
    const add = (body: string) => objects.push(body) - 1 + 1; // object numbers start at 1
    const catalog = add(''); // filled below
    const pagesObj = add('');
    const f1 = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
    const f2 = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
    const kids: number[] = [];
    for (const ops of this.pages) {
      const content = ops.join('\n');
      const stream = add(
        `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
      );
      kids.push(
        add(
          `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << /F1 ${f1} 0 R /F2 ${f2} 0 R >> >> /Contents ${stream} 0 R >>`,
        ),
      );
    }
    objects[catalog - 1] =
      `<< /Type /Catalog /Pages ${pagesObj} 0 R${this.info.lang ? ` /Lang ${pdfString(this.info.lang)}` : ''} >>`;
    objects[pagesObj - 1] =
      `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
    const infoObj = add(`<< /Title ${pdfString(this.info.title)} /Producer (Comptoir) >>`);

    const chunks: string[] = ['%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'];
    let offset = Buffer.byteLength(chunks[0] as string, 'latin1');
    const offsets: number[] = [];
    objects.forEach((body, i) => {
      offsets.push(offset);
      const obj = `${i + 1} 0 obj\n${body}\nendobj\n`;
      chunks.push(obj);
      offset += Buffer.byteLength(obj, 'latin1');
    });
    const xref = [
      'xref',
      `0 ${objects.length + 1}`,
      '0000000000 65535 f ',
      ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
      'trailer',
      `<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${infoObj} 0 R >>`,
      'startxref',
      String(offset),
      '%%EOF',
      '',
    ].join('\n');
    chunks.push(xref);
    return Buffer.from(chunks.join(''), 'latin1');
  }
}
