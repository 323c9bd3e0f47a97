import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isLang, type Lang, langFromAcceptLanguage, t } from '../i18n/index.ts';
import { AppError, type FieldIssue, ValidationError } from '../lib/errors.ts';
import { knownUserId } from './auth.ts';
import { renderErrorPage } from './pages/error-page.ts';

/** Language of an API response: `lang` query parameter, then Accept-Language, then French. */
export function apiLang(req: FastifyRequest): Lang {
  const q = (req.query as Record<string, unknown> | undefined)?.lang;
  if (isLang(q)) return q;
  const seg = req.url.split('/')[1];
  if (seg === 'fr' || seg === 'en') return seg;
  return langFromAcceptLanguage(req.headers['accept-language']);
}

const isApi = (req: FastifyRequest) =>
  req.url.startsWith('/api/') || req.headers.accept === 'application/json';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Translates field issues into `{field, message}` pairs in the caller's language. */
export function translateIssues(lang: Lang, issues: FieldIssue[]) {
  return issues.map((i) => ({ field: i.field, code: i.message, message: t(lang, i.message, i.params) }));
}

function zodToIssues(err: FastifyError): FieldIssue[] {
  const validation = (err.validation ?? []) as unknown as {
    instancePath?: string;
    message?: string;
    params?: {
      issue?: {
        code?: string;
        path?: PropertyKey[];
        message?: string;
        minimum?: unknown;
        maximum?: unknown;
        values?: unknown[];
        format?: string;
        input?: unknown;
        origin?: string;
      };
    };
  }[];
  const context = err.validationContext ?? 'body';
  return validation.map((v): FieldIssue => {
    const issue = v.params?.issue;
    const path = issue?.path?.length
      ? issue.path.join('.')
      : (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const field = path || context;
    const msg = issue?.message ?? v.message ?? '';
    if (/^[a-z_]+\.[a-z_.]+$/.test(msg)) return { field, message: msg };
    switch (issue?.code) {
      case 'invalid_type':
        return { field, message: issue.input === undefined ? 'field.required' : 'field.invalid_type' };
      case 'too_small':
        return {
          field,
          message: issue.origin === 'string' ? 'field.too_short' : 'field.too_small',
          params: { minimum: Number(issue.minimum) },
        };
      case 'too_big':
        return {
          field,
          message: issue.origin === 'string' ? 'field.too_long' : 'field.too_big',
          params: { maximum: Number(issue.maximum) },
        };
      case 'invalid_value':
        return {
          field,
          message: 'field.invalid_enum',
          params: { options: (issue.values ?? []).map(String).join(', ') },
        };
      case 'invalid_format':
        return { field, message: issue.format === 'email' ? 'field.invalid_email' : 'field.invalid' };
      default:
        return { field, message: 'field.invalid' };
    }
  });
}

/**
 * The multipart parser's own errors (no boundary, a body cut short, an unusable boundary) carry no
 * status: they are the client's malformed upload, not a server fault.
 */
const MULTIPART_ERRORS =
  /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data|The needle cannot (be an empty|have a length bigger)|Unsupported Content-Type\.|Missing Content-Type-header\.)/;
function isMalformedMultipart(err: FastifyError | undefined): boolean {
  return err instanceof Error && typeof err.statusCode !== 'number' && MULTIPART_ERRORS.test(err.message);
}

/** Builds the contract's error body for any thrown value; unknown errors never leak their message. */
export function errorResponse(
  err: unknown,
  lang: Lang,
): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof ValidationError) {
    return {
      status: err.status,
      body: {
        error: {
          code: err.code,
          message: t(lang, err.messageKey),
          details: { fields: translateIssues(lang, err.issues) },
        },
      },
    };
  }
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: {
        error: {
          code: err.code,
          message: t(lang, err.messageKey, err.params),
          ...(err.details ? { details: err.details } : {}),
        },
      },
    };
  }
  const fe = err as FastifyError;
  if (fe && hasZodFastifySchemaValidationErrors(fe)) {
    const issues = zodToIssues(fe);
    return {
      status: 400,
      body: {
        error: {
          code: 'validation_failed',
          message: t(lang, 'error.validation_failed'),
          details: { fields: translateIssues(lang, issues) },
        },
      },
    };
  }
  if (isMalformedMultipart(fe))
    return {
      status: 400,
      body: { error: { code: 'validation_failed', message: t(lang, 'hardening.multipart_invalid') } },
    };
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 429)
    return { status, body: { error: { code: 'rate_limited', message: t(lang, 'error.rate_limited') } } };
  if (status === 413)
    return {
      status,
      body: { error: { code: 'payload_too_large', message: t(lang, 'error.payload_too_large') } },
    };
  if (status === 415)
    return {
      status,
      body: { error: { code: 'unsupported_media_type', message: t(lang, 'error.unsupported_media_type') } },
    };
  if (status === 403 && fe.code?.startsWith('FST_CSRF'))
    return { status, body: { error: { code: 'csrf_invalid', message: t(lang, 'error.csrf_invalid') } } };
  if (status === 404)
    return { status, body: { error: { code: 'not_found', message: t(lang, 'error.not_found') } } };
  if (status >= 400 && status < 500) {
    // Malformed JSON, bad content length...: the client's fault, described generically.
    return {
      status,
      body: { error: { code: 'validation_failed', message: t(lang, 'error.validation_failed') } },
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: t(lang, 'error.internal') } } };
}

/** Installs the one mapping from errors to HTTP (JSON for the API, HTML pages for browsers). */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const lang = apiLang(req);
    const { status, body } = errorResponse(err, lang);
    if (status >= 500) req.log.error({ err }, 'unhandled error');
    else if (status === 401 || status === 403)
      // Who, from where, on what (ASVS 16.3.2); never the credentials themselves.
      req.log.warn(
        {
          event: 'authorisation_refused',
          code: body.error.code,
          method: req.method,
          route: req.routeOptions.url,
          user_id: knownUserId(req) ?? null,
          ip: req.ip,
        },
        'authorisation refused',
      );
    return sendError(req, reply, status, body, lang);
  });
  app.setNotFoundHandler((req, reply) => {
    const lang = apiLang(req);
    return sendError(
      req,
      reply,
      404,
      { error: { code: 'not_found', message: t(lang, 'error.not_found') } },
      lang,
    );
  });
}

function sendError(req: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody, lang: Lang) {
  if (isApi(req) || !(req.headers.accept ?? '').includes('text/html')) {
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  }
  // A page that needs a signed-in user sends the browser to the login page, then back.
  if (status === 401 && req.method === 'GET')
    return reply.redirect(
      `/${lang}/${lang === 'fr' ? 'connexion' : 'login'}?next=${encodeURIComponent(req.url)}`,
      303,
    );
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderErrorPage(lang, status, body.error.message));
}
