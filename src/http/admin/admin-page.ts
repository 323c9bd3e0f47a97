import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { Lang } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { AppContext } from '../context.ts';
import { type FieldErrors, issuesToErrors } from '../merchant/forms.ts';
import { pageContext } from '../pages/common.ts';
import { Layout } from '../pages/components/layout.ts';
import { renderDocument } from '../pages/html.ts';
import { sendHtml } from '../pages/page-context.ts';

/**
 * The scaffold shared by the region admin's list and edit pages (towns, categories): the layout
 * around `body`, never cached (CSRF tokens and fresh data), with the status already set on the reply
 * (400 after a refused form).
 */
export async function sendAdminPage(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  lang: Lang,
  title: string,
  body: VNode | VNode[] | string,
) {
  const pc = await pageContext(req, reply, ctx, lang, { title });
  return sendHtml(
    reply.header('cache-control', 'no-store'),
    renderDocument(Layout(pc, body)),
    reply.statusCode,
  );
}

/**
 * Runs a form's save. Field problems (a ValidationError from the module's service) answer 400 with
 * the form shown again through `showAgain` and the errors in the visitor's language; anything else
 * propagates to the error handler.
 */
export async function saveForm<T>(
  reply: FastifyReply,
  lang: Lang,
  save: () => Promise<T>,
  showAgain: (errors: FieldErrors) => Promise<unknown>,
): Promise<{ saved: true; value: T } | { saved: false; page: unknown }> {
  try {
    return { saved: true, value: await save() };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    reply.code(400);
    return { saved: false, page: await showAgain(issuesToErrors(lang, err.issues)) };
  }
}
