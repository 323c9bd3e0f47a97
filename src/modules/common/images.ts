/**
 * Uploaded images (product photos, region logos, fetched catalogue images): recognised by their
 * bytes, checked and re-encoded to WebP with sharp. Shared by the back-office, media and region
 * modules; no table, no module dependency.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Sharp from 'sharp';
import { ValidationError } from '../../lib/errors.ts';

/** sharp (libvips) is loaded with the first image, not by every server start (≈ 0.16 s of CPU; issue 19). */
const loadSharp = async (): Promise<typeof Sharp> => (await import('sharp')).default;

export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
export const MIN_IMAGE_SIDE = 200;
export const MAX_IMAGE_SIDE = 8000;
export const IMAGE_WIDTHS = [400, 800] as const;

/** JPEG, PNG or WebP, recognised by their first bytes (never by name or declared type). */
export function sniffImage(buf: Buffer): 'jpeg' | 'png' | 'webp' | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (
    buf.length >= 8 &&
    buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP')
    return 'webp';
  return undefined;
}

export interface StoredImage {
  url: string;
  width: number;
  height: number;
  /** Smaller rendition for lists: {width: url}. */
  sizes: Record<string, string>;
}

/**
 * Checks an uploaded image (magic bytes, size, dimensions) and re-encodes it with sharp to
 * WebP at 400 and 800 px wide (metadata such as GPS position is dropped by re-encoding).
 * Files go to DATA_DIR/media/p/<merchant>/<content hash>-<width>.webp.
 */
export async function processProductImage(
  buf: Buffer,
  opts: { dataDir: string; merchantId: number },
): Promise<StoredImage> {
  const field = 'image';
  if (buf.length === 0) throw new ValidationError([{ field, message: 'field.required' }]);
  if (buf.length > MAX_IMAGE_BYTES)
    throw new ValidationError([{ field, message: 'backoffice.image_too_big', params: { maximum: 8 } }]);
  if (!sniffImage(buf)) throw new ValidationError([{ field, message: 'backoffice.image_type' }]);
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<typeof Sharp>['metadata']>>;
  try {
    meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_SIDE * MAX_IMAGE_SIDE }).metadata();
  } catch {
    // The upload is not a readable image: the uploader's error (a 400), not the server's.
    throw new ValidationError([{ field, message: 'backoffice.image_unreadable' }]);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w < MIN_IMAGE_SIDE || h < MIN_IMAGE_SIDE || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE)
    throw new ValidationError([
      {
        field,
        message: 'backoffice.image_dimensions',
        params: { minimum: MIN_IMAGE_SIDE, maximum: MAX_IMAGE_SIDE },
      },
    ]);
  const renditions: { width: number; out: { data: Buffer; info: { width: number; height: number } } }[] = [];
  try {
    // The header alone passed: decoding the pixels is what finds corrupt data (a 400, not a 500).
    for (const width of IMAGE_WIDTHS)
      renditions.push({
        width,
        out: await sharp(buf, { limitInputPixels: MAX_IMAGE_SIDE * MAX_IMAGE_SIDE })
          .rotate()
          .resize({ width, withoutEnlargement: true })
          .webp({ quality: 80 })
          .toBuffer({ resolveWithObject: true }),
      });
  } catch {
    throw new ValidationError([{ field, message: 'backoffice.image_unreadable' }]);
  }
  const id = createHash('sha256').update(buf).digest('hex').slice(0, 24);
  const dir = join(opts.dataDir, 'media', 'p', String(opts.merchantId));
  mkdirSync(dir, { recursive: true });
  const sizes: Record<string, string> = {};
  let big = { width: 0, height: 0 };
  for (const { width, out } of renditions) {
    const name = `${id}-${width}.webp`;
    writeFileSync(join(dir, name), out.data);
    sizes[String(width)] = `/media/p/${opts.merchantId}/${name}`;
    big = { width: out.info.width, height: out.info.height };
  }
  return { url: sizes['800'] as string, width: big.width, height: big.height, sizes };
}

/** Deletes the files of an image this module stored (other URLs, e.g. imported ones, are left alone). */
export function removeProductImages(dataDir: string, merchantId: number, urls: string[]): void {
  for (const u of urls) {
    const m = /^\/media\/p\/(\d+)\/([0-9a-f]{24}-\d+\.webp)$/.exec(u);
    if (m && Number(m[1]) === merchantId) rmSync(join(dataDir, 'media', 'p', m[1], m[2]), { force: true });
  }
}
