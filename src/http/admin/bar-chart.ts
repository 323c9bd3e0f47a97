/** A bar chart as inline SVG (no script), with a text alternative given by the caller. */
export function barChartSvg(
  values: { label: string; value: number }[],
  opts: { width?: number; height?: number; color?: string } = {},
) {
  const w = opts.width ?? 640;
  const h = opts.height ?? 160;
  const max = Math.max(1, ...values.map((v) => v.value));
  const bw = values.length ? w / values.length : w;
  const bars = values
    .map((v, i) => {
      const bh = Math.round((v.value / max) * (h - 20));
      return `<rect x="${(i * bw + 1).toFixed(1)}" y="${h - 16 - bh}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${bh}" fill="${opts.color ?? '#1d4f91'}"><title>${escapeXml(v.label)}: ${v.value}</title></rect>`;
    })
    .join('');
  const first = values[0]?.label ?? '';
  const last = values[values.length - 1]?.label ?? '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="100%" role="img" aria-hidden="true">${bars}<text x="0" y="${h - 2}" font-size="11">${escapeXml(first)}</text><text x="${w}" y="${h - 2}" font-size="11" text-anchor="end">${escapeXml(last)}</text></svg>`;
}

function escapeXml(s: string) {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
