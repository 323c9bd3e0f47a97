/**
 * Shopify's product export CSV, read faithfully: one row per variant (the rows of a Handle are the
 * variants of one product, their Option1..3 values its options; "Default Title" is a product
 * without options), extra rows of a Handle carrying more images, the Status / Published columns deciding whether the product is on sale,
 * and Product Category / Type / Tags kept for category matching. Shopify exports one language:
 * the title is the merchant's (French) title; English texts are left to the back-office.
 */
import { stripHtml } from './html.ts';

/** True for Shopify's product export header. */
export function isShopifyHeader(header: string[]): boolean {
  const h = new Set(header.map((c) => c.trim()));
  return h.has('Handle') && (h.has('Variant SKU') || h.has('Variant Price'));
}

export interface ShopifyCategoryCells {
  productCategory?: string;
  type?: string;
  tags?: string;
}

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * Rows of a Shopify export (records[0] is the header) in the import's canonical shape. `row` is
 * the spreadsheet's row number (the header is row 1). Only columns present in the file appear in
 * `data` (an absent column leaves the product's field alone on re-import).
 */
export function parseShopify(records: string[][]): { row: number; data: Record<string, unknown> }[] {
  const header = records[0].map((c) => c.trim());
  const idx = new Map(header.map((h, i) => [h, i]));
  const has = (col: string) => idx.has(col);
  const get = (r: string[], col: string) => {
    const i = idx.get(col);
    return i === undefined ? '' : (r[i] ?? '').trim();
  };
  // Group by Handle: product-level cells sit on the handle's first row, images on any row.
  const groups = new Map<
    string,
    {
      first?: string[];
      imagesGiven?: boolean;
      description?: string;
      images: { url: string; pos: number; n: number }[];
    }
  >();
  let n = 0;
  for (const r of records.slice(1)) {
    const handle = get(r, 'Handle');
    let g = groups.get(handle);
    if (!g) {
      g = { images: [] };
      groups.set(handle, g);
    }
    if (!g.first && get(r, 'Title')) g.first = r;
    const src = get(r, 'Image Src');
    if (src && !g.images.some((i) => i.url === src)) {
      const pos = Number(get(r, 'Image Position'));
      g.images.push({
        url: src,
        pos: Number.isFinite(pos) && pos > 0 ? pos : Number.MAX_SAFE_INTEGER,
        n: n++,
      });
    }
  }
  const rows: { row: number; data: Record<string, unknown> }[] = [];
  records.forEach((r, i) => {
    if (i === 0) return;
    const handle = get(r, 'Handle');
    const sku = get(r, 'Variant SKU');
    const price = get(r, 'Variant Price');
    if (!sku && !price) return; // an image-only row
    const g = groups.get(handle) as NonNullable<ReturnType<typeof groups.get>>;
    const first = g.first ?? r;
    const title = get(first, 'Title');
    const values = [1, 2, 3].map((n) => get(r, `Option${n} Value`));
    // "Title" = "Default Title": Shopify's single variant, a product without options.
    const single = values[0] === 'Default Title' && !values[1] && !values[2];
    const options = single ? [] : values.filter(Boolean);
    const data: Record<string, unknown> = {
      sku: sku || (options.length ? `${handle}-${slug(options.join('-'))}` : handle),
      title_fr: title,
      handle,
    };
    if (has('Option1 Value'))
      [1, 2, 3].forEach((n, k) => {
        // Names sit on the handle's first row; later rows leave them blank (grouping fills them in).
        data[`option${n}_name`] = single ? '' : get(r, `Option${n} Name`);
        data[`option${n}_value`] = single ? '' : values[k];
      });
    if (has('Body (HTML)')) {
      // Once per product: every variant row carries its product's description.
      g.description ??= stripHtml(get(first, 'Body (HTML)')) || stripHtml(get(first, 'SEO Description'));
      data.description_fr = g.description;
    }
    if (has('Variant Price')) data.price = price;
    if (has('Variant Barcode')) {
      // Shopify barcodes are free text: a non-GTIN one is set aside with a warning, not refused.
      const code = get(r, 'Variant Barcode').replace(/^'/, '');
      if (!code || /^\d{8,14}$/.test(code)) data.gtin = code;
      else data.gtin_ignored = code;
    }
    if (has('Vendor')) data.brand = get(first, 'Vendor');
    // The product's images go to the handle's first variant row (the product row); the others
    // keep only their own Variant Image.
    const productRow = !g.imagesGiven;
    g.imagesGiven = true;
    const images = productRow
      ? [...g.images].sort((a, b) => a.pos - b.pos || a.n - b.n).map((im) => im.url)
      : [];
    const own = get(r, 'Variant Image');
    if (own) {
      // The variant's own image first.
      const k = images.indexOf(own);
      if (k > 0) images.splice(k, 1);
      if (k !== 0) images.unshift(own);
    }
    if (images.length) data.images = images;
    const qty = get(r, 'Variant Inventory Qty');
    if (qty !== '') data.on_hand = /^-?\d+$/.test(qty) ? Math.max(0, Number(qty)) : qty;
    if (has('Variant Taxable'))
      data.tax_class = get(r, 'Variant Taxable').toUpperCase() === 'FALSE' ? 'zero_rated' : 'standard';
    const status = get(first, 'Status').toLowerCase();
    const published = get(first, 'Published').toLowerCase();
    if (status === 'draft' || status === 'archived') data.status = status;
    else if (published === 'false') data.status = 'draft';
    else if (status === 'active' || published === 'true') data.status = 'active';
    const cells: ShopifyCategoryCells = {
      productCategory:
        get(first, 'Product Category') || get(first, 'Google Shopping / Google Product Category'),
      type: get(first, 'Type'),
      tags: get(first, 'Tags'),
    };
    if (cells.productCategory || cells.type || cells.tags) data.shopify_category = cells;
    rows.push({ row: i + 1, data });
  });
  return rows;
}
