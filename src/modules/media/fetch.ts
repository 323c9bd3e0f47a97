/**
 * Fetches one image from a merchant-given URL, defensively (the URL comes from an uploaded file):
 * http/https only, public addresses only (the webhook guard: every DNS answer checked and the
 * checked address connected to), redirects followed by hand and each one checked again, a byte
 * limit that aborts the transfer, one deadline for the whole fetch, and JPEG/PNG/WebP magic bytes.
 */
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AppError } from '../../lib/errors.ts';
import { sniffImage } from '../common/images.ts';
import { publicLookup, resolvePublic } from '../webhooks/index.ts';

export interface FetchLimits {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/**
 * A fetch that did not give an image. `code` is stable and stored (`http_status`, `too_big`...);
 * `permanent` ones are not retried (the same URL would give the same answer).
 */
export class ImageFetchError extends Error {
  readonly code: string;
  readonly permanent: boolean;
  readonly detail?: string;
  constructor(code: string, permanent: boolean, detail?: string) {
    super(detail ? `${code}:${detail}` : code);
    this.code = code;
    this.permanent = permanent;
    this.detail = detail;
  }
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not a URL at all: the same permanent refusal as a wrong scheme (the merchant's data, not ours).
    throw new ImageFetchError('invalid_url', true);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ImageFetchError('invalid_url', true);
  if (url.username || url.password) throw new ImageFetchError('invalid_url', true);
  return url;
}

async function checkAddress(url: URL, allowPrivate: boolean): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node skips `lookup` for IP literals: check those here; names are checked as they are connected.
  if (!isIP(host)) return;
  try {
    await resolvePublic(host, allowPrivate);
  } catch {
    // For an IP literal nothing is looked up: the only refusal is a private address.
    throw new ImageFetchError('private_address', true);
  }
}

type Answer = { status: number; location?: string; body?: Buffer };

function once(url: URL, limits: FetchLimits, signal: AbortSignal): Promise<Answer> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers: { accept: 'image/webp,image/png,image/jpeg', 'user-agent': 'Comptoir-Images/1' },
        lookup: publicLookup(limits.allowPrivate),
        agent: false,
        signal,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          resolve({ status, location: res.headers.location });
          return;
        }
        if (status < 200 || status >= 300) {
          res.resume();
          resolve({ status });
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > limits.maxBytes) {
          req.destroy();
          reject(new ImageFetchError('too_big', true));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let sniffed = false;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxBytes) {
            req.destroy();
            reject(new ImageFetchError('too_big', true));
            return;
          }
          chunks.push(chunk);
          // A web page or anything else is refused from its first bytes, without reading it all.
          if (!sniffed && size >= 12) {
            sniffed = true;
            if (!sniffImage(Buffer.concat(chunks))) {
              req.destroy();
              reject(new ImageFetchError('not_image', true));
            }
          }
        });
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', (err) => {
      if (err instanceof ImageFetchError) reject(err);
      else if (signal.aborted) reject(new ImageFetchError('timeout', false));
      else if (err instanceof AppError) reject(new ImageFetchError('private_address', true));
      else if ((err as NodeJS.ErrnoException).code === 'ENOTFOUND')
        reject(new ImageFetchError('unresolvable', false));
      else reject(new ImageFetchError('network', false, (err as NodeJS.ErrnoException).code ?? undefined));
    });
    req.end();
  });
}

/** The image's bytes (JPEG, PNG or WebP by magic bytes), or an ImageFetchError. */
export async function fetchImage(raw: string, limits: FetchLimits): Promise<Buffer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    let url = checkUrl(raw);
    for (let hop = 0; ; hop++) {
      await checkAddress(url, limits.allowPrivate);
      const answer = await once(url, limits, controller.signal);
      if (answer.location !== undefined) {
        if (hop >= limits.maxRedirects) throw new ImageFetchError('too_many_redirects', true);
        url = checkUrl(new URL(answer.location, url).toString());
        continue;
      }
      if (!answer.body)
        throw new ImageFetchError(
          'http_status',
          answer.status < 500 && answer.status !== 429 && answer.status !== 408,
          String(answer.status),
        );
      if (!sniffImage(answer.body)) throw new ImageFetchError('not_image', true);
      return answer.body;
    }
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof ImageFetchError && err.code !== 'network'))
      throw new ImageFetchError('timeout', false);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
