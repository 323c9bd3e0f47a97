import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { t } from '../../i18n/index.ts';
import { ValidationError } from '../../lib/errors.ts';
import {
  getLocation,
  hoursFormFields,
  listLocations,
  PICKUP_SLOT_LENGTHS,
  saveLocation,
} from '../../modules/backoffice/index.ts';
import { zonesText } from '../../modules/cart/index.ts';
import {
  defaultLocationOf,
  deliverySettingsOf,
  locationCodeIssues,
  setLocationCodeAndDefault,
  setLocationFulfilment,
} from '../../modules/merchants/index.ts';
import { type MerchantAccess, requireMerchantRole } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { cachedRegion } from '../pages/common.ts';
import { html } from '../pages/html.ts';
import {
  fulfilmentFromForm,
  ZoneEditor,
  zoneFormFields,
  zoneFormValues,
  zoneIssuesToForm,
} from './delivery-zones.ts';
import {
  Csrf,
  ErrorSummary,
  Field,
  type FieldErrors,
  issuesToErrors,
  Notice,
  PinMap,
  Select,
} from './forms.ts';
import { HoursEditor, hoursFormValues } from './hours-editor.ts';
import { bo, renderBo } from './layout.ts';
import { csrfField, idParams } from './page-kit.ts';

const text = (max = 5000) => z.string().max(max).optional();
const locationBody = z.object({
  name: text(),
  code: text(),
  is_default: text(),
  address_line: text(),
  municipality: text(),
  postal_code: text(),
  phone: text(),
  lat: text(),
  lng: text(),
  pickup: text(),
  pickup_slot_minutes: text(),
  pickup_days_ahead: text(),
  ...hoursFormFields,
  ...zoneFormFields,
  ...csrfField,
});
const savedQuery = z.object({ saved: z.string().optional() });
type V = Record<string, unknown>;
const s = (v: V, k: string) => (v[k] === undefined || v[k] === null ? '' : String(v[k]));

/** A merchant's stores: list, form (address, hours, pickup slots, delivery zones), save. */
export default async function locationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;

  for (const lang of ['fr', 'en'] as const) {
    // ---------------------------------------------------------------- locations
    app.get(
      bo(lang, 'locations'),
      { schema: { hide: true, querystring: savedQuery } },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx, { owner: true });
        const locs = await listLocations(db, access.merchantId);
        const defaultId = defaultLocationOf(locs)?.id;
        return renderBo(req, reply, ctx, lang, access, {
          section: 'locations',
          title: t(lang, 'backoffice.nav_locations'),
          body: html`<h1>${t(lang, 'backoffice.nav_locations')}</h1>
          ${(req.query as { saved?: string }).saved ? Notice(t(lang, 'form.saved')) : null}
          <ul class="cards">
            ${locs.map(
              (l) => html`<li>
                <h2><a href=${bo(lang, 'locations', `/${l.id}`)}>${l.name}</a></h2>
                <p>
                  ${t(lang, 'location.code')} : <code data-location-code>${l.code}</code>
                  ${l.id === defaultId ? html` · <strong data-default-location>${t(lang, 'location.is_default')}</strong>` : null}
                </p>
                <p>${l.address_line}, ${l.municipality}</p>
                <p>
                  ${l.pickup ? t(lang, 'backoffice.pickup_yes') : t(lang, 'backoffice.pickup_no')} ·
                  ${(() => {
                    const d = deliverySettingsOf(l);
                    return d.enabled && d.zones.length
                      ? t(lang, 'delivery.summary_zones', { zones: zonesText(lang, d) })
                      : t(lang, 'backoffice.no_delivery');
                  })()}
                </p>
              </li>`,
            )}
          </ul>
          <p><a class="button" href=${bo(lang, 'locations', '/nouveau')}>${t(lang, 'backoffice.add_location')}</a></p>`,
        });
      },
    );

    const locationForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      access: MerchantAccess,
      id: number | undefined,
      v: V,
      errors?: FieldErrors,
    ) => {
      const action = bo(lang, 'locations', id ? `/${id}` : '/nouveau');
      const region = await cachedRegion(ctx);
      return renderBo(req, reply, ctx, lang, access, {
        section: 'locations',
        rest: id ? `/${id}` : '/nouveau',
        title: t(lang, 'backoffice.nav_locations'),
        status: errors ? 400 : 200,
        map: true,
        body: html`<h1>${s(v, 'name') || t(lang, 'backoffice.add_location')}</h1>
          ${ErrorSummary(lang, errors)}
          <form method="post" action=${action} novalidate>
            ${Csrf(reply.generateCsrf())}
            ${Field({ name: 'name', label: t(lang, 'backoffice.location_name'), value: s(v, 'name'), errors, required: true })}
            ${Field({ name: 'code', label: t(lang, 'location.code'), value: s(v, 'code'), errors, required: id !== undefined, hint: t(lang, 'location.code_hint') })}
            <label class="check"><input type="checkbox" name="is_default" value="1" checked=${v.is_default === '1' || v.is_default === 1 || undefined} /> ${t(lang, 'location.default')}</label>
            <p class="hint">${t(lang, 'location.default_hint')}</p>
            ${Field({ name: 'address_line', label: t(lang, 'onboarding.street'), value: s(v, 'address_line'), errors, required: true })}
            ${Field({ name: 'municipality', label: t(lang, 'onboarding.municipality'), value: s(v, 'municipality'), errors, required: true })}
            ${Field({ name: 'postal_code', label: t(lang, 'onboarding.postal_code'), value: s(v, 'postal_code'), errors })}
            ${Field({ name: 'phone', type: 'tel', label: t(lang, 'onboarding.phone'), value: s(v, 'phone'), errors })}
            ${Field({ name: 'lat', label: t(lang, 'onboarding.lat'), value: s(v, 'lat'), errors, required: true, attrs: { inputmode: 'decimal' } })}
            ${Field({ name: 'lng', label: t(lang, 'onboarding.lng'), value: s(v, 'lng'), errors, required: true, attrs: { inputmode: 'decimal' } })}
            ${PinMap({ label: t(lang, 'onboarding.pin_map'), tiles: ctx.config.TILE_URL, attribution: ctx.config.TILE_ATTRIBUTION, center: { lat: region.center_lat, lng: region.center_lng } })}
            ${HoursEditor(lang, v, errors)}
            <fieldset>
              <legend>${t(lang, 'backoffice.fulfilment')}</legend>
              <label class="check"><input type="checkbox" name="pickup" value="1" checked=${v.pickup === '1' || v.pickup === 1 || undefined} /> ${t(lang, 'backoffice.pickup')}</label>
              ${Select({ name: 'pickup_slot_minutes', label: t(lang, 'pickup.slot_length'), hint: t(lang, 'pickup.slot_length_hint'), value: s(v, 'pickup_slot_minutes') || '30', errors, options: PICKUP_SLOT_LENGTHS.map((n) => ({ value: String(n), label: `${n} min` })) })}
              ${Field({ name: 'pickup_days_ahead', type: 'number', label: t(lang, 'pickup.days_ahead'), value: s(v, 'pickup_days_ahead') || '7', errors, attrs: { min: 1, max: 30, step: 1 } })}
            </fieldset>
            ${ZoneEditor(lang, v, errors)}
            <button type="submit">${t(lang, 'form.save')}</button>
          </form>`,
      });
    };
    const locValues = (l: Awaited<ReturnType<typeof getLocation>>): V => ({
      ...l,
      ...zoneFormValues(l),
      ...hoursFormValues(l),
    });

    app.get(bo(lang, 'locations', '/nouveau'), { schema: { hide: true } }, async (req, reply) => {
      const access = await requireMerchantRole(req, ctx, { owner: true });
      return locationForm(req, reply, access, undefined, { pickup: 1 });
    });
    app.get(
      bo(lang, 'locations', '/:id'),
      { schema: { hide: true, params: idParams } },
      async (req, reply) => {
        const access = await requireMerchantRole(req, ctx, { owner: true });
        const { id } = req.params as { id: number };
        return locationForm(req, reply, access, id, locValues(await getLocation(db, access.merchantId, id)));
      },
    );
    const saveHandler = (withId: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const access = await requireMerchantRole(req, ctx, { owner: true });
      const id = withId ? (req.params as { id: number }).id : undefined;
      if (id !== undefined) await getLocation(db, access.merchantId, id);
      const body = req.body as V;
      // No code field (an older form): the code stays; an empty one on a new store: generated.
      const code = body.code === undefined ? undefined : s(body, 'code').trim();
      try {
        // One transaction: a refused code leaves the rest of the form unsaved too.
        await db.transaction().execute(async (trx) => {
          const issues =
            code !== undefined && (id !== undefined || code)
              ? await locationCodeIssues(trx, access.merchantId, id, code)
              : [];
          let saved: number | undefined;
          try {
            // Radius and fee columns are written by the zone editor's settings just below.
            saved = await saveLocation(trx, access.merchantId, id, {
              ...body,
              delivery_radius_km: '0',
              delivery_fee: '0',
            });
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            issues.unshift(...e.issues);
          }
          const zones = fulfilmentFromForm(body);
          issues.push(...zones.issues);
          if (saved !== undefined && !zones.issues.length)
            try {
              await setLocationFulfilment(trx, access.merchantId, saved, zones.value);
            } catch (e) {
              if (!(e instanceof ValidationError)) throw e;
              issues.push(...zoneIssuesToForm(e.issues, zones.rowOf));
            }
          if (issues.length || saved === undefined) throw new ValidationError(issues);
          await setLocationCodeAndDefault(trx, access.merchantId, saved, {
            code: code || undefined,
            makeDefault: body.is_default === '1',
          });
        });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return locationForm(req, reply, access, id, body, issuesToErrors(lang, e.issues));
      }
      return reply.redirect(`${bo(lang, 'locations')}?saved=1`, 303);
    };
    app.post(
      bo(lang, 'locations', '/nouveau'),
      { schema: { hide: true, body: locationBody }, preHandler: app.csrfProtection },
      saveHandler(false),
    );
    app.post(
      bo(lang, 'locations', '/:id'),
      { schema: { hide: true, params: idParams, body: locationBody }, preHandler: app.csrfProtection },
      saveHandler(true),
    );
  }
}
