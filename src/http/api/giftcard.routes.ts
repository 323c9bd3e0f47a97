import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { checkBalance } from '../../modules/giftcards/index.ts';
import type { AppContext } from '../context.ts';
import { giftCardBalanceResponse, refused } from './responses.ts';

const body = z.object({ code: z.string().min(1).max(40) });

/**
 * Gift-card balance for apps and merchants' tills. POST (the code never appears in URLs or logs);
 * rate limited per address, and every failed code is logged and counts toward a 15-minute lock-out.
 */
export default async function giftcardApiRoutes(app: FastifyInstance, ctx: AppContext) {
  const { db } = ctx.database;
  app.post(
    '/api/v1/gift-cards/balance',
    {
      schema: {
        tags: ['gift cards'],
        operationId: 'getGiftCardBalance',
        summary: 'Balance of a regional gift card (paid part and bonus part apart) and its ledger',
        body,
        response: { 200: giftCardBalanceResponse, '4xx': refused },
      },
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    },
    async (req, reply) => {
      const { code } = req.body as z.infer<typeof body>;
      try {
        const b = await checkBalance(db, code, req.ip);
        return reply.header('cache-control', 'no-store').send({
          last4: b.last4,
          status: b.status,
          currency: 'CAD',
          balance_cents: b.paid_balance_cents + b.bonus_balance_cents,
          paid_balance_cents: b.paid_balance_cents,
          bonus_balance_cents: b.bonus_balance_cents,
          bonus_expires_at: b.bonus_expires_at,
          paid_expires_at: null,
          association: b.association?.slug ?? null,
          ledger: b.ledger.map((l) => ({
            kind: l.kind,
            paid_delta_cents: l.paid_delta_cents,
            bonus_delta_cents: l.bonus_delta_cents,
            merchant: l.merchant_name,
            at: l.created_at,
          })),
        });
      } catch (err) {
        req.log.warn({ event: 'gift_card_lookup_failed', ip: req.ip }, 'gift card look-up refused');
        throw err;
      }
    },
  );
}
