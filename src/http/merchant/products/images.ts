/** Product photos: upload (checked and re-encoded by the back-office module) and removal. */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Lang } from '../../../i18n/index.ts';
import { notFound, ValidationError } from '../../../lib/errors.ts';
import {
  csrfOnlyForm,
  getProduct,
  processProductImage,
  removeProductImages,
  setProductImages,
} from '../../../modules/backoffice/index.ts';
import { requireMerchantRole } from '../../auth.ts';
import type { AppContext } from '../../context.ts';
import { issuesToErrors } from '../forms.ts';
import { bo } from '../layout.ts';
import { formValues, type ProductFormPage } from './form.ts';
import { idParams, imgParams } from './shared.ts';

/** Most photos per product. */
const MAX_IMAGES = 8;

export function productImageRoutes(app: FastifyInstance, ctx: AppContext, lang: Lang, page: ProductFormPage) {
  const { db } = ctx.database;
  app.post(
    bo(lang, 'products', '/:id/images'),
    { schema: { hide: true, params: idParams }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const { id } = req.params as { id: number };
      const p = await getProduct(db, access.merchantId, id);
      const file = (req.body as Record<string, unknown> | undefined)?.image;
      try {
        if (p.images.length >= MAX_IMAGES)
          throw new ValidationError([{ field: 'image', message: 'backoffice.too_many_images' }]);
        const img = await processProductImage(Buffer.isBuffer(file) ? file : Buffer.alloc(0), {
          dataDir: ctx.config.dataDir,
          merchantId: access.merchantId,
        });
        await setProductImages(db, access.merchantId, id, [...p.images, img]);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        return page(req, reply, access, id, formValues(p), issuesToErrors(lang, e.issues));
      }
      return reply.redirect(`${bo(lang, 'products', `/${id}`)}?done=image_added`, 303);
    },
  );

  app.post(
    bo(lang, 'products', '/:id/images/:index/supprimer'),
    { schema: { hide: true, params: imgParams, body: csrfOnlyForm }, preHandler: app.csrfProtection },
    async (req, reply) => {
      const access = await requireMerchantRole(req, ctx);
      const { id, index } = req.params as z.infer<typeof imgParams>;
      const p = await getProduct(db, access.merchantId, id);
      const img = p.images[index];
      if (!img) throw notFound('image');
      const rest = p.images.filter((_, i) => i !== index);
      await setProductImages(db, access.merchantId, id, rest);
      const sizes = (img as { sizes?: Record<string, string> }).sizes;
      removeProductImages(ctx.config.dataDir, access.merchantId, sizes ? Object.values(sizes) : [img.url]);
      return reply.redirect(`${bo(lang, 'products', `/${id}`)}?done=image_removed`, 303);
    },
  );
}
