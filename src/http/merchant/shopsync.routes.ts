import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { publicBaseUrl } from '../../config.ts';
import { formatDate, t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import { merchantLocations } from '../../modules/inventory/index.ts';
import {
  connectShopify,
  connectSquare,
  disconnect,
  type ShopSyncDeps,
  saveLocationMap,
  setPaused,
  shopLocations,
  shopSyncConfigured,
  squareOAuthConfigured,
  squareOAuthFinish,
  squareOAuthStart,
  startSync,
  syncStatus,
} from '../../modules/shopsync/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { html } from '../pages/html.ts';
import { Csrf, ErrorSummary, Field, type FieldErrors, issuesToErrors, Notice, Select } from './forms.ts';
import { bo, renderBo } from './layout.ts';
import { actionForm, csrfField, RowAction } from './page-kit.ts';

/** A text field of the connect forms (empty when left out). */
const text = (max: number) => z.string().max(max).default('');
const connectForm = z.object({
  shop_domain: text(300),
  access_token: text(1000),
  webhook_secret: text(1000),
  ...csrfField,
});
type ConnectForm = z.infer<typeof connectForm>;
// Field names of their own: the page also holds the Shopify form (ids and error links stay unique).
const squareForm = z.object({
  square_environment: text(20),
  square_access_token: text(1000),
  square_signature_key: text(1000),
  ...csrfField,
});
type SquareForm = z.infer<typeof squareForm>;
/** What the page shows besides the status: a form's errors and values, a notice, the HTTP status. */
interface PageOpts {
  errors?: FieldErrors;
  v?: ConnectForm;
  sq?: SquareForm;
  sqErrors?: FieldErrors;
  done?: string;
  status?: number;
}
const oauthReturn = z.object({
  code: z.string().max(500).optional(),
  state: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
  response_type: z.string().max(50).optional(),
});
const mapForm = z.record(z.string(), z.union([z.string().max(100), z.array(z.string().max(100))]));

const WEBHOOK_TOPICS = {
  shopify: ['products/create', 'products/update', 'products/delete', 'inventory_levels/update'],
  square: ['catalog.version.updated', 'inventory.count.updated'],
};

/** "Connecter ma boutique / Connect my shop" and the sync status page (owners only). */
export default async function shopSyncPages(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  const deps: ShopSyncDeps = {
    db,
    events: ctx.events,
    database: ctx.database,
    config: ctx.config,
    log: app.log,
  };
  const owner = (req: FastifyRequest) => requireMerchantRole(req, ctx, { owner: true });

  for (const lang of ['fr', 'en'] as const) {
    const page = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      opts: PageOpts = {},
    ) => {
      const token = reply.generateCsrf();
      const title = t(lang, 'shopsync.title');
      if (!shopSyncConfigured(ctx.config))
        return renderBo(req, reply, ctx, lang, access, {
          section: 'shop',
          title,
          body: html`<h1>${title}</h1>
            <p class="notice warn" role="status">${t(lang, 'shopsync.not_configured')}</p>`,
        });
      const s = await syncStatus(db, access.merchantId);
      const c = s?.connection;
      const connected = c && (c.status === 'active' || c.status === 'paused');
      const stores = [...(await merchantLocations(db, access.merchantId)).values()];
      let shopLocs: { id: string; name: string }[] = [];
      let locError = false;
      if (connected) {
        try {
          shopLocs = await shopLocations(deps, access.merchantId);
        } catch (err) {
          // The page lists the mapped locations by id with a notice; the reason goes to the log.
          req.log.warn({ err }, 'shop locations could not be read');
          locError = true;
          shopLocs = Object.keys(c.location_map).map((id) => ({ id, name: id }));
        }
      }
      const square = c?.provider === 'square';
      const connectBody = html`<section aria-labelledby="connect-title">
        <h2 id="connect-title">${t(lang, c && !square ? 'shopsync.reconnect_title' : 'shopsync.connect_title')}</h2>
        <p>${t(lang, 'shopsync.connect_intro')}</p>
        ${ErrorSummary(lang, opts.errors)}
        <form method="post" action=${bo(lang, 'shop', '/connecter')} novalidate>
          ${Csrf(token)}
          ${Field({
            name: 'shop_domain',
            label: t(lang, 'shopsync.shop_domain'),
            hint: t(lang, 'shopsync.shop_domain_hint'),
            value: opts.v?.shop_domain ?? c?.shop_domain ?? '',
            errors: opts.errors,
            required: true,
            attrs: { autocomplete: 'off', spellcheck: 'false' },
          })}
          ${Field({
            name: 'access_token',
            type: 'password',
            label: t(lang, 'shopsync.access_token'),
            hint: t(lang, 'shopsync.access_token_hint'),
            errors: opts.errors,
            required: true,
            attrs: { autocomplete: 'off' },
          })}
          ${Field({
            name: 'webhook_secret',
            type: 'password',
            label: t(lang, 'shopsync.webhook_secret'),
            hint: t(lang, 'shopsync.webhook_secret_hint'),
            errors: opts.errors,
            required: true,
            attrs: { autocomplete: 'off' },
          })}
          <button type="submit">${t(lang, 'shopsync.connect')}</button>
        </form>
      </section>`;
      const squareBody = html`<section aria-labelledby="square-title">
        <h2 id="square-title">${t(lang, square ? 'shopsync.square_reconnect_title' : 'shopsync.square_connect_title')}</h2>
        ${ErrorSummary(lang, opts.sqErrors)}
        ${
          squareOAuthConfigured(ctx.config)
            ? html`<p><a class="button" href=${bo(lang, 'shop', '/square/autoriser')} data-square-oauth>${t(lang, 'shopsync.square_oauth')}</a></p>
              <p>${t(lang, 'shopsync.square_oauth_or')}</p>`
            : null
        }
        <p>${t(lang, 'shopsync.square_connect_intro')}</p>
        <form method="post" action=${bo(lang, 'shop', '/connecter-square')} novalidate>
          ${Csrf(token)}
          ${Select({
            name: 'square_environment',
            label: t(lang, 'shopsync.square_environment'),
            value: opts.sq?.square_environment || (c?.environment ?? 'production'),
            errors: opts.sqErrors,
            options: [
              { value: 'production', label: t(lang, 'shopsync.square_env_production') },
              { value: 'sandbox', label: t(lang, 'shopsync.square_env_sandbox') },
            ],
          })}
          ${Field({
            name: 'square_access_token',
            type: 'password',
            label: t(lang, 'shopsync.square_access_token'),
            hint: t(lang, 'shopsync.square_access_token_hint'),
            errors: opts.sqErrors,
            required: true,
            attrs: { autocomplete: 'off' },
          })}
          ${Field({
            name: 'square_signature_key',
            type: 'password',
            label: t(lang, 'shopsync.square_signature_key'),
            hint: t(lang, 'shopsync.square_signature_key_hint'),
            errors: opts.sqErrors,
            attrs: { autocomplete: 'off' },
          })}
          <button type="submit">${t(lang, 'shopsync.square_connect')}</button>
        </form>
      </section>`;
      const running = c?.sync_state === 'running';
      const statusBody = c
        ? html`<section aria-labelledby="status-title">
            <h2 id="status-title">${t(lang, 'shopsync.status_title')}</h2>
            <dl class="facts">
              ${
                square
                  ? html`<dt>${t(lang, 'shopsync.square_account')}</dt><dd data-provider="square">${t(lang, `shopsync.square_env_${c.environment ?? 'production'}`)}</dd>`
                  : html`<dt>${t(lang, 'shopsync.shop_domain')}</dt><dd><code>${c.shop_domain}</code></dd>`
              }
              <dt>${t(lang, 'shopsync.connection')}</dt><dd data-shopsync-status=${c.status}>${t(lang, `shopsync.status_${c.status}`)}</dd>
              <dt>${t(lang, 'shopsync.sync')}</dt><dd data-sync-state=${c.sync_state}>${t(lang, `shopsync.state_${c.sync_state}`)}</dd>
              <dt>${t(lang, 'shopsync.progress')}</dt>
              <dd>${t(lang, 'shopsync.progress_value', { products: c.products_done, variants: c.variants_done })}
                ${running ? html` · <a href=${bo(lang, 'shop')}>${t(lang, 'shopsync.refresh')}</a>` : null}</dd>
              <dt>${t(lang, 'shopsync.last_sync')}</dt><dd>${c.last_sync_at ? formatDate(c.last_sync_at, lang) : '—'}</dd>
              <dt>${t(lang, 'shopsync.synced_items')}</dt><dd>${t(lang, 'shopsync.items_value', { total: s.counts.total, errors: s.counts.errors })}</dd>
              ${c.last_error ? html`<dt>${t(lang, 'shopsync.last_error')}</dt><dd>${c.last_error === 'token_refused' ? t(lang, square ? 'shopsync.square_token_refused' : 'shopsync.token_refused') : c.last_error}</dd>` : null}
            </dl>
            ${c.status === 'reconnect_needed' ? html`<p class="notice error" role="alert">${t(lang, square ? 'shopsync.square_reconnect_needed' : 'shopsync.reconnect_needed')}</p>` : null}
            ${
              connected
                ? html`<div class="actions">
                    ${c.status === 'active' ? RowAction(token, bo(lang, 'shop', '/synchroniser'), t(lang, 'shopsync.sync_now')) : null}
                    ${RowAction(token, bo(lang, 'shop', c.status === 'paused' ? '/reprendre' : '/pause'), t(lang, c.status === 'paused' ? 'shopsync.resume' : 'shopsync.pause'))}
                    ${RowAction(token, bo(lang, 'shop', '/deconnecter'), t(lang, 'shopsync.disconnect'), t(lang, 'shopsync.disconnect_confirm'))}
                  </div>
                  <h3>${t(lang, square ? 'shopsync.square_webhooks_title' : 'shopsync.webhooks_title')}</h3>
                  <p>${t(lang, square ? 'shopsync.square_webhooks_intro' : 'shopsync.webhooks_intro')}</p>
                  <p><code data-webhook-url>${publicBaseUrl(ctx.config)}/api/v1/shopsync/${c.provider}/${c.id}/webhooks</code></p>
                  <ul>${WEBHOOK_TOPICS[c.provider].map((x) => html`<li><code>${x}</code></li>`)}</ul>`
                : null
            }
          </section>`
        : null;
      const mapBody = connected
        ? html`<section aria-labelledby="map-title">
            <h2 id="map-title">${t(lang, square ? 'shopsync.square_locations_title' : 'shopsync.locations_title')}</h2>
            ${locError ? html`<p class="notice warn" role="status">${t(lang, 'shopsync.locations_unavailable')}</p>` : null}
            <form method="post" action=${bo(lang, 'shop', '/magasins')}>
              ${Csrf(token)}
              ${shopLocs.map((l, i) =>
                Select({
                  name: `loc_${i}`,
                  id: `f-loc-${i}`,
                  label: l.name,
                  value: String(c.location_map[l.id] ?? ''),
                  options: [
                    { value: '', label: t(lang, 'shopsync.not_synced') },
                    ...stores.map((st) => ({ value: st.id, label: st.name })),
                  ],
                }),
              )}
              ${shopLocs.map((l, i) => html`<input type="hidden" name=${`locid_${i}`} value=${l.id} />`)}
              <button type="submit">${t(lang, 'shopsync.save_locations')}</button>
            </form>
          </section>`
        : null;
      const errorsBody =
        s && (s.errors.length || s.pushes.length)
          ? html`<section aria-labelledby="errors-title">
              <h2 id="errors-title">${t(lang, 'shopsync.errors_title')}</h2>
              ${
                s.errors.length
                  ? html`<div class="table-wrap"><table>
                      <thead><tr><th scope="col">${t(lang, 'shopsync.product')}</th><th scope="col">SKU</th><th scope="col">${t(lang, 'shopsync.problem')}</th></tr></thead>
                      <tbody>${s.errors.map(
                        (e) => html`<tr data-sync-error=${e.error_code}>
                          <th scope="row">${e.title}</th><td><code>${e.sku}</code></td>
                          <td>${e.errors.map((x) => t(lang, x.key, x.params)).join(' ')}</td>
                        </tr>`,
                      )}</tbody>
                    </table></div>`
                  : null
              }
              ${
                s.pushes.length
                  ? html`<h3>${t(lang, 'shopsync.pushes_title')}</h3>
                    <ul>${s.pushes.map(
                      (p) =>
                        html`<li data-push-status=${p.status}>${t(lang, 'shopsync.push_line', {
                          order: p.order_id,
                          attempts: p.attempts,
                          status: t(lang, `shopsync.push_${p.status}`),
                        })} <small>${p.last_error ?? ''}</small></li>`,
                    )}</ul>`
                  : null
              }
            </section>`
          : null;
      const logBody = s?.log.length
        ? html`<section aria-labelledby="log-title">
            <h2 id="log-title">${t(lang, 'shopsync.log_title')}</h2>
            <ul class="log">${s.log.map(
              (l) =>
                html`<li><time datetime=${l.created_at}>${formatDate(l.created_at, lang)}</time> ${l.event} ${l.detail}</li>`,
            )}</ul>
          </section>`
        : null;
      return renderBo(
        req,
        reply,
        ctx,
        lang,
        access,
        {
          section: 'shop',
          title,
          status: opts.status,
          body: html`<h1>${title}</h1>
            <p>${t(lang, 'shopsync.intro')}</p>
            ${Notice(opts.done)}
            ${statusBody}
            ${connected && !opts.errors ? null : connectBody}
            ${connected && !square ? null : squareBody}
            ${mapBody}
            ${errorsBody}
            ${logBody}`,
        },
        token,
      );
    };

    app.get(bo(lang, 'shop'), { schema: { hide: true } }, async (req, reply) =>
      page(req, reply, await owner(req)),
    );

    /**
     * Connects with `connect`, then starts the first sync; a field error shows the page again (400)
     * with what `invalid` makes of it.
     */
    const connectThenSync = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      connect: () => Promise<unknown>,
      invalid: (e: ValidationError) => PageOpts,
    ) => {
      try {
        await connect();
      } catch (e) {
        if (e instanceof ValidationError) return page(req, reply, access, { ...invalid(e), status: 400 });
        throw e;
      }
      await startSync(deps, access.merchantId);
      return reply.redirect(bo(lang, 'shop'), 303);
    };
    // The Square form's fields are prefixed (see squareForm).
    const squareErrors = (e: ValidationError) =>
      issuesToErrors(
        lang,
        e.issues.map((i) => ({ ...i, field: `square_${i.field}` })),
      );

    app.post(
      bo(lang, 'shop', '/connecter'),
      { schema: { hide: true, body: connectForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const v = req.body as ConnectForm;
        if (!shopSyncConfigured(ctx.config)) return page(req, reply, access, { status: 409 });
        return connectThenSync(
          req,
          reply,
          access,
          () => connectShopify(deps, access.merchantId, v),
          (e) => ({ errors: issuesToErrors(lang, e.issues), v }),
        );
      },
    );

    app.post(
      bo(lang, 'shop', '/connecter-square'),
      { schema: { hide: true, body: squareForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const sq = req.body as SquareForm;
        if (!shopSyncConfigured(ctx.config)) return page(req, reply, access, { status: 409 });
        return connectThenSync(
          req,
          reply,
          access,
          () =>
            connectSquare(deps, access.merchantId, {
              environment: sq.square_environment,
              access_token: sq.square_access_token,
              signature_key: sq.square_signature_key,
            }),
          (e) => ({ sqErrors: squareErrors(e), sq }),
        );
      },
    );

    // "Connect with Square" (OAuth): Square sends the merchant back to the one redirect URL
    // registered in the region's application (the French page's).
    const redirectUri = `${publicBaseUrl(ctx.config)}${bo('fr', 'shop', '/square/retour')}`;
    app.get(bo(lang, 'shop', '/square/autoriser'), { schema: { hide: true } }, async (req, reply) => {
      const access = await owner(req);
      if (!shopSyncConfigured(ctx.config) || !squareOAuthConfigured(ctx.config))
        return page(req, reply, access, { status: 409 });
      return reply.redirect(squareOAuthStart(deps, access.merchantId), 303);
    });
    app.get(
      bo(lang, 'shop', '/square/retour'),
      { schema: { hide: true, querystring: oauthReturn } },
      async (req, reply) => {
        const access = await owner(req);
        if (!shopSyncConfigured(ctx.config) || !squareOAuthConfigured(ctx.config))
          return page(req, reply, access, { status: 409 });
        return connectThenSync(
          req,
          reply,
          access,
          () =>
            squareOAuthFinish(deps, access.merchantId, req.query as z.infer<typeof oauthReturn>, redirectUri),
          (e) => ({ sqErrors: squareErrors(e) }),
        );
      },
    );

    app.post(
      bo(lang, 'shop', '/magasins'),
      { schema: { hide: true, body: mapForm }, preHandler: app.csrfProtection },
      async (req, reply) => {
        const access = await owner(req);
        const body = req.body as Record<string, string>;
        const map: Record<string, number | null> = {};
        for (const [k, v] of Object.entries(body)) {
          const m = /^locid_(\d+)$/.exec(k);
          if (!m) continue;
          const store = String(body[`loc_${m[1]}`] ?? '');
          map[String(v)] = store === '' ? null : Number(store);
        }
        try {
          await saveLocationMap(deps, access.merchantId, map);
        } catch (e) {
          if (e instanceof ValidationError) return page(req, reply, access, { status: 400 });
          throw e;
        }
        return page(req, reply, access, { done: t(lang, 'shopsync.locations_saved') });
      },
    );

    const action = (path: string, run: (merchantId: number) => Promise<void>) =>
      app.post(
        bo(lang, 'shop', path),
        { schema: { hide: true, body: actionForm }, preHandler: app.csrfProtection },
        async (req, reply) => {
          const access = await owner(req);
          await run(access.merchantId);
          return reply.redirect(bo(lang, 'shop'), 303);
        },
      );
    action('/synchroniser', (m) => startSync(deps, m));
    action('/pause', (m) => setPaused(deps, m, true));
    action('/reprendre', (m) => setPaused(deps, m, false));
    action('/deconnecter', (m) => disconnect(deps, m));
  }
}
