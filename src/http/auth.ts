import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.ts';
import { findSessionUser, type SessionUser } from '../modules/accounts/index.ts';
import { ABSOLUTE_TIMEOUT_MS, createSession, deleteSession, findSession } from '../modules/sessions/index.ts';
import type { AppContext } from './context.ts';

export type { SessionUser } from '../modules/accounts/index.ts';

/** Control characters (C0, DEL, C1) and backslashes: browsers drop or rewrite them in a URL. */
const UNSAFE_IN_NEXT = /[\p{Cc}\\]/u;

/** True when a "next" target holds a character no link of ours ever carries (a forged request). */
export const isHostileNext = (next: unknown): boolean =>
  typeof next === 'string' && UNSAFE_IN_NEXT.test(next);

/**
 * Only same-site paths are accepted as a "next" target (no open redirect): one leading slash
 * followed by anything but a slash, no "//" anywhere, and no control character or backslash
 * (browsers strip a tab or newline, so "/\t/evil.example/" would become "//evil.example/").
 */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' &&
    next.length <= 2000 &&
    /^\/(?![/\\])/.test(next) &&
    !next.includes('//') &&
    !isHostileNext(next)
    ? next
    : fallback;
}

/** `__Host-session` (Secure, Path=/, no Domain) in production; `session` over plain HTTP in dev/tests. */
export const sessionCookieName = (ctx: AppContext) =>
  ctx.config.INSECURE_COOKIES ? 'session' : '__Host-session';

const cache = new WeakMap<FastifyRequest, Promise<SessionUser | undefined>>();
const seen = new WeakMap<FastifyRequest, number>();

/** The signed-in user of this request (looked up once per request), or undefined. */
export function getSessionUser(req: FastifyRequest, ctx: AppContext): Promise<SessionUser | undefined> {
  let p = cache.get(req);
  if (!p) {
    const token = req.cookies?.[sessionCookieName(ctx)];
    // The id is remembered inside the returned chain: a failed look-up rejects for the caller
    // (and reaches the error handler, which logs it) instead of needing a side branch to silence.
    p = token
      ? findSessionUser(ctx.database.db, token).then((u) => {
          if (u) seen.set(req, u.id);
          return u;
        })
      : Promise.resolve(undefined);
    cache.set(req, p);
  }
  return p;
}

/** The id of the user a guard already resolved for this request (for audit logs), without a look-up. */
export const knownUserId = (req: FastifyRequest): number | undefined => seen.get(req);

/** The signed-in user, or a 401 (browsers asking for a page are redirected to the login page). */
export async function requireUser(
  req: FastifyRequest,
  _reply: FastifyReply,
  ctx: AppContext,
): Promise<SessionUser> {
  const user = await getSessionUser(req, ctx);
  if (!user) throw new AppError('unauthorized');
  return user;
}

export interface MerchantAccess {
  user: SessionUser;
  merchantId: number;
  role: 'merchant_owner' | 'merchant_staff';
}

/**
 * The merchant the signed-in user works for (owner or staff). `owner: true` refuses staff.
 * A user only ever gets a merchant they hold a role for; `merchantId` selects one when they have several.
 */
export async function requireMerchantRole(
  req: FastifyRequest,
  ctx: AppContext,
  opts: { owner?: boolean; merchantId?: number } = {},
): Promise<MerchantAccess> {
  const user = await getSessionUser(req, ctx);
  if (!user) throw new AppError('unauthorized');
  const roles = user.roles.filter(
    (r) =>
      (r.role === 'merchant_owner' || r.role === 'merchant_staff') &&
      r.merchant_id !== null &&
      (opts.merchantId === undefined || r.merchant_id === opts.merchantId),
  );
  // Prefer the owner role when a user holds both for the same merchant.
  const pick = roles.find((r) => r.role === 'merchant_owner') ?? roles[0];
  if (!pick) throw new AppError('forbidden');
  if (opts.owner && pick.role !== 'merchant_owner') throw new AppError('forbidden');
  return {
    user,
    merchantId: pick.merchant_id as number,
    role: pick.role as MerchantAccess['role'],
  };
}

export const isRegionAdmin = (user: SessionUser) => user.roles.some((r) => r.role === 'region_admin');

/** Associations a user administers (region admins: every one, signalled by `all`). */
export function adminScope(user: SessionUser): { all: boolean; associationIds: number[] } {
  return {
    all: isRegionAdmin(user),
    associationIds: user.roles
      .filter((r) => r.role === 'association_admin' && r.association_id !== null)
      .map((r) => r.association_id as number),
  };
}

export async function requireRegionAdmin(req: FastifyRequest, ctx: AppContext): Promise<SessionUser> {
  const user = await getSessionUser(req, ctx);
  if (!user) throw new AppError('unauthorized');
  if (!isRegionAdmin(user)) throw new AppError('forbidden');
  return user;
}

/** An admin of the given association (region admins pass everywhere). */
export async function requireAssociationAdmin(
  req: FastifyRequest,
  ctx: AppContext,
  associationId: number,
): Promise<SessionUser> {
  const user = await getSessionUser(req, ctx);
  if (!user) throw new AppError('unauthorized');
  const scope = adminScope(user);
  if (!scope.all && !scope.associationIds.includes(associationId)) throw new AppError('forbidden');
  return user;
}

/** A funder reads the admin home and the impact report, region-wide, and nothing else. */
export const isFunder = (user: SessionUser) => user.roles.some((r) => r.role === 'funder');

/** Whose impact figures a user may read: admins as `adminScope`, funders the whole region. */
export function impactScope(user: SessionUser): { all: boolean; associationIds: number[] } {
  const scope = adminScope(user);
  return { ...scope, all: scope.all || isFunder(user) };
}

/**
 * A reader of the impact report: any admin or a funder (`associationId`: that association's
 * figures). Every other admin page keeps `requireAnyAdmin`, so a funder gets 403 there.
 */
export async function requireImpactReader(
  req: FastifyRequest,
  ctx: AppContext,
  associationId?: number,
): Promise<SessionUser> {
  const user = await getSessionUser(req, ctx);
  if (!user) throw new AppError('unauthorized');
  const scope = impactScope(user);
  const allowed =
    associationId === undefined
      ? scope.all || scope.associationIds.length > 0
      : scope.all || scope.associationIds.includes(associationId);
  if (!allowed) throw new AppError('forbidden');
  return user;
}

/** Any association or region admin (pages then filter by adminScope). */
export async function requireAnyAdmin(req: FastifyRequest, ctx: AppContext): Promise<SessionUser> {
  const user = await getSessionUser(req, ctx);
  if (!user) throw new AppError('unauthorized');
  const scope = adminScope(user);
  if (!scope.all && scope.associationIds.length === 0) throw new AppError('forbidden');
  return user;
}

/**
 * Signs a user in: a brand-new session id every time (no fixation), cookie HttpOnly, SameSite=Lax,
 * Secure with the __Host- prefix unless INSECURE_COOKIES.
 */
export async function startSession(reply: FastifyReply, ctx: AppContext, userId: number): Promise<void> {
  const req = reply.request;
  const old = req.cookies?.[sessionCookieName(ctx)];
  if (old) {
    const prev = await findSession(ctx.database.db, old);
    if (prev) await deleteSession(ctx.database.db, prev.id);
  }
  const { token } = await createSession(ctx.database.db, userId);
  cache.delete(req);
  reply.setCookie(sessionCookieName(ctx), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: !ctx.config.INSECURE_COOKIES,
    maxAge: Math.floor(ABSOLUTE_TIMEOUT_MS / 1000),
  });
}

/** Signs out: deletes the session server-side and clears the cookie. */
export async function endSession(req: FastifyRequest, reply: FastifyReply, ctx: AppContext): Promise<void> {
  const user = await getSessionUser(req, ctx);
  if (user) await deleteSession(ctx.database.db, user.session_id);
  cache.set(req, Promise.resolve(undefined));
  reply.clearCookie(sessionCookieName(ctx), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: !ctx.config.INSECURE_COOKIES,
  });
}
