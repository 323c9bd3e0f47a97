/** The order lifecycle (a leaf module: webhooks' payload schemas read it at load time). */
import type { OrderStatus } from './orders.tables.ts';

/** Every order status, in lifecycle order. */
export const ORDER_STATUSES: readonly OrderStatus[] = [
  'placed',
  'accepted',
  'ready',
  'completed',
  'cancelled',
];

/** The statuses an order may move to from each status. */
export const NEXT_STATUSES: Record<OrderStatus, OrderStatus[]> = {
  placed: ['accepted', 'cancelled'],
  accepted: ['ready', 'cancelled'],
  ready: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};
