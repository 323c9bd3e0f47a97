import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatDate, t, tp } from '../../i18n/index.ts';
import { AppError, notFound, ValidationError } from '../../lib/errors.ts';
import {
  applyImport,
  decodeText,
  ImportFormatError,
  type ImportPreview,
  isZip,
  previewImport,
  TEMPLATE_COLUMNS,
  translateRowErrors,
  XLSX_CONTENT_TYPE,
} from '../../modules/imports/index.ts';
import { createWebhook, deleteWebhook, listWebhooks, WEBHOOK_EVENTS } from '../../modules/webhooks/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { html } from '../pages/html.ts';
import {
  asArray,
  Checkboxes,
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
} from './forms.ts';
import { bo, renderBo } from './layout.ts';
import {
  actionForm,
  csrfField,
  idParams,
  ReauthField,
  RowAction,
  reauthIssues,
  renderListCreate,
} from './page-kit.ts';

const webhookForm = z.object({
  url: z.string().max(5000).default(''),
  events: z.union([z.string(), z.array(z.string())]).optional(),
  current_password: z.string().max(1000).default(''),
  ...csrfField,
});
type WebhookForm = z.infer<typeof webhookForm>;
const applyForm = z.object({
  file_id: z.string().max(100).default(''),
  clear_empty: z.string().max(5).optional(),
  partial: z.string().max(5).optional(),
  ...csrfField,
});
type V = Record<string, unknown>;
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** Webhooks (owners) and catalogue import (owners and staff), wired to their modules. */
export default async function integrationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 10 },
  });
  const importDir = (merchantId: number) => join(ctx.config.dataDir, 'imports', String(merchantId));

  for (const lang of ['fr', 'en'] as const) {
    // ---------------------------------------------------------------- webhooks
    const hooksPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      opts: { errors?: FieldErrors; v?: WebhookForm; secret?: string } = {},
    ) => {
      const hooks = await listWebhooks(db, access.merchantId);
      const token = reply.generateCsrf();
      return renderListCreate(req, reply, ctx, lang, access, token, {
        section: 'webhooks',
        title: t(lang, 'backoffice.nav_webhooks'),
        intro: t(lang, 'backoffice.webhooks_intro'),
        secret: opts.secret
          ? {
              message: t(lang, 'backoffice.webhook_created'),
              value: opts.secret,
              attr: 'data-webhook-secret',
            }
          : undefined,
        columns: [
          'URL',
          t(lang, 'backoffice.events'),
          t(lang, 'backoffice.created'),
          t(lang, 'admin.actions'),
        ],
        rows: hooks.map(
          (h) => html`<tr>
            <th scope="row"><code>${h.url}</code></th>
            <td>${h.events.join(', ')}</td>
            <td><time datetime=${h.created_at}>${formatDate(h.created_at, lang)}</time></td>
            <td>
              ${RowAction(
                token,
                bo(lang, 'webhooks', `/${h.id}/supprimer`),
                t(lang, 'backoffice.delete'),
                t(lang, 'backoffice.confirm_delete'),
              )}
            </td>
          </tr>`,
        ),
        createTitle: t(lang, 'backoffice.new_webhook'),
        action: bo(lang, 'webhooks'),
        fields: [
          Field({
            name: 'url',
            type: 'url',
            label: 'URL (https://…)',
            value: opts.v?.url ?? '',
            errors: opts.errors,
            required: true,
          }),
          Checkboxes({
            name: 'events',
            legend: t(lang, 'backoffice.events'),
            options: WEBHOOK_EVENTS.map((e) => ({ value: e, label: e })),
            checked: opts.v ? asArray(opts.v.events) : [...WEBHOOK_EVENTS],
            errors: opts.errors,
          }),
          ReauthField(lang, opts.errors),
        ],
        submitLabel: t(lang, 'backoffice.create_webhook'),
        errors: opts.errors,
      });
    };
    const owner = (req: FastifyRequest) => requireMerchantRole(req, ctx, { owner: true });
    app.get(bo(lang, 'webhooks'), { schema: { hide: true } }, async (req, reply) =>
      hooksPage(req, reply, await owner(req)),
    );
    app.post(
      bo(lang, 'webhooks'),
      { schema: { hide: true, body: webhookForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const v = req.body as WebhookForm;
        const events = asArray(v.events).filter((e): e is (typeof WEBHOOK_EVENTS)[number] =>
          (WEBHOOK_EVENTS as readonly string[]).includes(e),
        );
        try {
          if (!events.length) throw new ValidationError([{ field: 'events', message: 'field.required' }]);
          // Re-authentication (ASVS 7.5.1): a webhook sends the merchant's orders to a new address.
          const reauth = await reauthIssues(ctx, access, v.current_password, req.ip);
          if (reauth.length) throw new ValidationError(reauth);
          const created = await createWebhook(
            db,
            access.merchantId,
            { url: v.url, events },
            { allowPrivate: ctx.config.WEBHOOKS_ALLOW_PRIVATE },
          );
          return hooksPage(req, reply, access, { secret: created.secret });
        } catch (e) {
          if (e instanceof ValidationError)
            return hooksPage(req, reply, access, { errors: issuesToErrors(lang, e.issues), v });
          if (e instanceof AppError && e.code === 'conflict')
            return hooksPage(req, reply, access, { errors: { url: t(lang, e.messageKey, e.params) }, v });
          throw e;
        }
      },
    );
    app.post(
      bo(lang, 'webhooks', '/:id/supprimer'),
      { schema: { hide: true, params: idParams, body: actionForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        await deleteWebhook(db, access.merchantId, (req.params as { id: number }).id);
        return reply.redirect(bo(lang, 'webhooks'), 303);
      },
    );

    // ---------------------------------------------------------------- import
    const importPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      opts: {
        errors?: FieldErrors;
        preview?: ImportPreview;
        fileId?: string;
        done?: string;
        status?: number;
        clearEmpty?: boolean;
      } = {},
    ) => {
      const token = reply.generateCsrf();
      const p = opts.preview;
      const rows = p
        ? translateRowErrors(lang, p.rows.filter((r) => r.status === 'error' || r.warnings).slice(0, 200))
        : [];
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'import',
          title: t(lang, 'backoffice.nav_import'),
          status: opts.status ?? (opts.errors ? 400 : 200),
          body: html`<h1>${t(lang, 'backoffice.nav_import')}</h1>
            ${Notice(opts.done)}
            <p>${t(lang, 'backoffice.import_intro')}</p>
            <p><code>${TEMPLATE_COLUMNS.join(',')}</code></p>
            ${ErrorSummary(lang, opts.errors)}
            <form method="post" action=${bo(lang, 'import', '/apercu')} enctype="multipart/form-data">
              ${Csrf(token)}
              ${Field({ name: 'file', type: 'file', label: t(lang, 'backoffice.import_file'), errors: opts.errors, required: true, attrs: { accept: `.csv,text/csv,.json,application/json,.xlsx,${XLSX_CONTENT_TYPE}` } })}
              <label class="check"><input type="checkbox" name="clear_empty" value="1" checked=${opts.clearEmpty || undefined} /> ${t(lang, 'import.clear_empty')}</label>
              <p class="hint">${t(lang, 'import.clear_empty_hint')}</p>
              <button type="submit">${t(lang, 'backoffice.preview')}</button>
            </form>
            ${
              p
                ? html`<section aria-labelledby="preview-h">
                    <h2 id="preview-h">${t(lang, 'backoffice.preview')}</h2>
                    <p role="status" data-preview=${`${p.valid}/${p.invalid}`}>
                      ${t(lang, 'backoffice.preview_summary', { total: p.total, valid: p.valid, invalid: p.invalid })}
                      ${p.unchanged ? ` ${t(lang, 'import.unchanged_count', { count: p.unchanged })}` : ''}
                    </p>
                    ${
                      p.unknown_categories.length
                        ? html`<p data-unknown-categories>${t(lang, 'import.unknown_categories', { list: p.unknown_categories.join(', ') })}</p>`
                        : null
                    }
                    ${
                      rows.length
                        ? html`<table class="data">
                            <thead>
                              <tr>
                                <th scope="col">${t(lang, 'backoffice.row')}</th>
                                <th scope="col">SKU</th>
                                <th scope="col">${t(lang, 'backoffice.errors')}</th>
                              </tr>
                            </thead>
                            <tbody>
                              ${rows.map(
                                (r) => html`<tr data-row=${r.row}>
                                  <th scope="row">${r.row}</th>
                                  <td>${r.sku ?? ''}</td>
                                  <td>
                                    <ul>
                                      ${(
                                        [...(r.errors ?? []), ...(r.warnings ?? [])] as unknown as {
                                          field?: string;
                                          message: string;
                                        }[]
                                      ).map(
                                        (e) => html`<li>${e.field ? `${e.field} : ` : ''}${e.message}</li>`,
                                      )}
                                    </ul>
                                  </td>
                                </tr>`,
                              )}
                            </tbody>
                          </table>`
                        : null
                    }
                    ${
                      opts.fileId && p.valid > 0
                        ? html`<form method="post" action=${bo(lang, 'import', '/appliquer')}>
                            ${Csrf(token)}
                            <input type="hidden" name="file_id" value=${opts.fileId} />
                            ${opts.clearEmpty ? html`<input type="hidden" name="clear_empty" value="1" />` : null}
                            ${
                              p.invalid > 0
                                ? html`<label class="check"><input type="checkbox" name="partial" value="1" /> ${t(lang, 'backoffice.import_partial')}</label>`
                                : null
                            }
                            <button type="submit">${t(lang, 'backoffice.apply', { count: p.valid })}</button>
                          </form>`
                        : null
                    }
                  </section>`
                : null
            }`,
        },
        token,
      );
    };

    app.get(bo(lang, 'import'), { schema: { hide: true } }, async (req, reply) =>
      importPage(req, reply, await requireMerchantRole(req, ctx)),
    );
    app.post(
      bo(lang, 'import', '/apercu'),
      { preHandler: app.csrfProtection, schema: { hide: true } },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const file = (req.body as V | undefined)?.file;
        const clearEmpty = (req.body as V | undefined)?.clear_empty === '1';
        if (!Buffer.isBuffer(file) || file.length === 0)
          return importPage(req, reply, access, { errors: { file: t(lang, 'field.required') } });
        // An Excel workbook (ZIP bytes) stays binary; text files are decoded.
        const xlsx = isZip(file);
        const text = xlsx ? '' : decodeText(file);
        const contentType = xlsx
          ? XLSX_CONTENT_TYPE
          : /^\s*[[{]/.test(text)
            ? 'application/json'
            : 'text/csv';
        const body = xlsx ? file : contentType === 'application/json' ? safeJson(text) : text;
        let preview: ImportPreview;
        try {
          preview = await previewImport(db, access.merchantId, { body, contentType, clearEmpty });
        } catch (e) {
          if (e instanceof ImportFormatError)
            return importPage(req, reply, access, { errors: { file: t(lang, e.key, e.params) } });
          throw e;
        }
        // Kept server-side between preview and apply (named by a random id, under the merchant's folder).
        const fileId = randomBytes(16).toString('hex');
        mkdirSync(importDir(access.merchantId), { recursive: true });
        writeFileSync(
          join(
            importDir(access.merchantId),
            `${fileId}.${xlsx ? 'xlsx' : contentType === 'text/csv' ? 'csv' : 'json'}`,
          ),
          xlsx ? file : text,
        );
        return importPage(req, reply, access, { preview, fileId, clearEmpty });
      },
    );
    app.post(
      bo(lang, 'import', '/appliquer'),
      { preHandler: app.csrfProtection, schema: { hide: true, body: applyForm } },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx);
        const v = req.body as z.infer<typeof applyForm>;
        const fileId = v.file_id;
        if (!/^[0-9a-f]{32}$/.test(fileId)) throw notFound('import');
        let text: string | undefined;
        let workbook: Buffer | undefined;
        let contentType = 'text/csv';
        let ext = 'csv';
        for (const e of ['csv', 'json', 'xlsx']) {
          try {
            const path = join(importDir(access.merchantId), `${fileId}.${e}`);
            if (e === 'xlsx') workbook = readFileSync(path);
            else text = readFileSync(path, 'utf8');
            contentType = e === 'csv' ? 'text/csv' : e === 'json' ? 'application/json' : XLSX_CONTENT_TYPE;
            ext = e;
            break;
          } catch (err) {
            // The upload is under one of the three names (or gone: a 404); any other failure is logged.
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
              req.log.warn({ err, fileId }, 'stored import file could not be read');
          }
        }
        if (text === undefined && workbook === undefined) throw notFound('import');
        const result = await applyImport(
          db,
          ctx.events,
          access.merchantId,
          {
            body: workbook ?? (contentType === 'text/csv' ? text : safeJson(text as string)),
            contentType,
            clearEmpty: v.clear_empty === '1',
          },
          { partial: v.partial === '1', database: ctx.database },
        );
        if (!result.applied)
          return importPage(req, reply, access, {
            preview: result,
            fileId,
            status: 400,
            clearEmpty: v.clear_empty === '1',
          });
        rmSync(join(importDir(access.merchantId), `${fileId}.${ext}`), { force: true });
        return importPage(req, reply, access, {
          done: tp(lang, 'backoffice.import_done_n', result.created, { updated: result.updated }),
        });
      },
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Unreadable JSON goes on as text: the import's parser refuses it with its own translated error.
    return text;
  }
}
