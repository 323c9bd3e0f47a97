import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { createUserWithHash, hashPassword } from '../../src/modules/accounts/index.ts';
import { createSession } from '../../src/modules/sessions/index.ts';

/** Cookie header value for a new session of a user (skips the login form): `cookie: await sessionCookie(db, id)`. */
export async function sessionCookie(db: Kysely<DB>, userId: number): Promise<string> {
  const { token } = await createSession(db, userId);
  return `session=${token}`;
}

/**
 * A new verified user (a real password hash) with these roles, and an `Agent` from `ip` already
 * signed in as them.
 */
export async function signedInAgent(
  app: FastifyInstance,
  db: Kysely<DB>,
  email: string,
  roles: { role: string; merchant_id?: number; association_id?: number }[],
  ip: string,
): Promise<Agent> {
  const userId = await createUserWithHash(db, {
    email,
    passwordHash: await hashPassword('une phrase de passe longue'),
    verifiedAt: new Date().toISOString(),
    roles: roles.map((r) => ({ ...r, role: r.role as never })),
  });
  const agent = new Agent(app, ip);
  const [name, value] = (await sessionCookie(db, userId)).split('=');
  agent.cookies.set(name as string, value as string);
  return agent;
}

/** The `_csrf` hidden field of the first form in an HTML page. */
export function csrfFrom(body: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!m) throw new Error('no _csrf field in page');
  return m[1];
}

/**
 * A tiny browser for `app.inject`: keeps cookies (session, csrf) between requests, and
 * `submit()` GETs a page, takes its CSRF token and POSTs a urlencoded form.
 */
export class Agent {
  cookies = new Map<string, string>();
  readonly app: FastifyInstance;
  readonly ip: string;
  constructor(app: FastifyInstance, ip = '127.0.0.1') {
    this.app = app;
    this.ip = ip;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(opts: InjectOptions & { url: string }): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      remoteAddress: this.ip,
      ...opts,
      headers: { accept: 'text/html', cookie: this.cookieHeader(), ...(opts.headers ?? {}) },
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const gone = c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get(url: string) {
    return this.request({ method: 'GET', url });
  }

  /** POSTs a form; the CSRF token comes from `formPage` (default: the same URL). */
  async submit(url: string, fields: Record<string, string | string[]>, formPage = url) {
    const page = await this.get(formPage);
    const token = csrfFrom(page.body);
    return this.post(url, { ...fields, _csrf: token });
  }

  post(url: string, fields: Record<string, string | string[]>) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(fields))
      for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    return this.request({
      method: 'POST',
      url,
      payload: params.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  async login(email: string, password: string, lang: 'fr' | 'en' = 'fr') {
    const url = lang === 'fr' ? '/fr/connexion' : '/en/login';
    return this.submit(url, { email, password });
  }
}
