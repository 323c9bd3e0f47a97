/**
 * One back-office screen shape used by staff, API keys and webhooks: a title, an optional notice
 * and intro, a secret shown once (a new key or signing secret: only its hash is stored, so this
 * is the owner's one chance to copy it), a table of what exists with per-row actions, and a form
 * to create one more (with its errors, 400 when there are some).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cloneElement, toChildArray, type VNode } from 'preact';
import { z } from 'zod';
import { type Lang, labelColon, t } from '../../i18n/index.ts';
import type { FieldIssue } from '../../lib/errors.ts';
import { confirmPassword } from '../../modules/accounts/index.ts';
import type { MerchantAccess } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { html } from '../pages/html.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, Notice } from './forms.ts';
import { renderBo, type Section } from './layout.ts';

/** The CSRF token every back-office form posts (checked by `app.csrfProtection`). */
export const csrfField = { _csrf: z.string().optional() };

/** Body of a form with nothing but its CSRF token (row actions: remove, revoke, cancel). */
export const actionForm = z.object(csrfField);

/** Route params of a row action. */
export const idParams = z.object({ id: z.coerce.number().int().positive() });

/** A secret displayed once after its creation; `attr` marks its `<code>` (tests and scripts read it). */
export interface SecretOnce {
  message: string;
  value: string;
  attr: 'data-api-key' | 'data-webhook-secret';
}

export interface ListCreatePage {
  section: Section;
  title: string;
  notice?: string;
  intro?: string;
  secret?: SecretOnce;
  /** Column headers of the table. */
  columns: string[];
  /** The table's rows (`<tr>` elements). */
  rows: VNode[];
  /** Heading of the creation form. */
  createTitle: string;
  /** Where the creation form posts. */
  action: string;
  /** The creation form's fields (before its button). */
  fields: VNode | (VNode | null)[];
  submitLabel: string;
  errors?: FieldErrors;
}

/** Renders a list + create form + secret-once screen inside the back-office frame. */
export function renderListCreate(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
  lang: Lang,
  access: MerchantAccess,
  token: string,
  p: ListCreatePage,
) {
  return renderBo(
    req,
    reply,
    ctx,
    lang,
    access,
    {
      section: p.section,
      title: p.title,
      status: p.errors ? 400 : 200,
      body: html`<h1>${p.title}</h1>
        ${Notice(p.notice)}
        ${p.intro ? html`<p>${p.intro}</p>` : null}
        ${
          p.secret
            ? html`<div class="notice ok" role="status">
                <p>${p.secret.message}</p>
                <p><code ...${{ [p.secret.attr]: true }}>${p.secret.value}</code></p>
              </div>`
            : null
        }
        <table class="data stack">
          <thead>
            <tr>
              ${p.columns.map((c) => html`<th scope="col">${c}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${p.rows.map((r) => labelCells(lang, r, p.columns))}
          </tbody>
        </table>
        <h2>${p.createTitle}</h2>
        ${ErrorSummary(lang, p.errors)}
        <form method="post" action=${p.action} novalidate>
          ${Csrf(token)}
          ${p.fields}
          <button type="submit">${p.submitLabel}</button>
        </form>`,
    },
    token,
  );
}

/**
 * The row with each `<td>` labelled by its column (`data-label`): on phones the table stacks into
 * one card per row (`table.data.stack`) and the stylesheet writes the label before the value.
 */
export function labelCells(lang: Lang, row: VNode, columns: string[]): VNode {
  const cells = toChildArray((row.props as { children?: VNode[] }).children);
  let i = -1;
  return cloneElement(
    row,
    {},
    cells.map((c) => {
      if (typeof c !== 'object' || (c.type !== 'td' && c.type !== 'th')) return c;
      i++;
      return c.type === 'td' && columns[i]
        ? cloneElement(c, { 'data-label': labelColon(lang, columns[i]) })
        : c;
    }),
  );
}

/** A one-button form posting a row action (with a confirmation question when `confirm` is set). */
export function RowAction(token: string, action: string, label: string, confirm?: string): VNode {
  return html`<form method="post" action=${action} data-confirm=${confirm}>
    ${Csrf(token)}<button type="submit">${label}</button>
  </form>`;
}

/** The "current password" field of a re-authenticated form (ASVS 7.5.1). */
export function ReauthField(lang: Lang, errors?: FieldErrors): VNode {
  return Field({
    name: 'current_password',
    type: 'password',
    label: t(lang, 'password.current'),
    errors,
    required: true,
    hint: t(lang, 'backoffice.reauth_hint'),
    attrs: { autocomplete: 'current-password' },
  });
}

/**
 * Re-authentication before creating a credential (API key, webhook): the problem with the typed
 * password as a field issue, or none. A blank field is a missing answer, not a guess: it does not
 * count as a failed login.
 */
export async function reauthIssues(
  ctx: AppContext,
  access: MerchantAccess,
  password: string,
  ip: string,
): Promise<FieldIssue[]> {
  if (password === '') return [{ field: 'current_password', message: 'field.required' }];
  if (!(await confirmPassword(ctx.database.db, access.user, password, ip)))
    return [{ field: 'current_password', message: 'password.current_wrong' }];
  return [];
}
