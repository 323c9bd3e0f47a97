/**
 * A cookie-keeping HTTP client over real sockets (fetch), for tests that talk to server processes.
 * The base URL is given per request, so one agent (one browser) can alternate between instances.
 */
export interface AgentResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
  json<T = unknown>(): T;
}

export class HttpAgent {
  readonly cookies = new Map<string, string>();
  readonly headers: Record<string, string>;
  constructor(headers: Record<string, string> = {}) {
    this.headers = headers;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    base: string,
    path: string,
    opts: {
      method?: string;
      form?: Record<string, string | number>;
      json?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<AgentResponse> {
    const headers: Record<string, string> = { accept: 'text/html', ...this.headers, ...(opts.headers ?? {}) };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(Object.entries(opts.form).map(([k, v]) => [k, String(v)])).toString();
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    const res = await fetch(base + path, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const gone =
        value === '' ||
        attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text,
      location: res.headers.get('location'),
      json: <T>() => JSON.parse(text) as T,
    };
  }

  get(base: string, path: string, headers?: Record<string, string>) {
    return this.request(base, path, { headers });
  }

  post(base: string, path: string, form: Record<string, string | number>, headers?: Record<string, string>) {
    return this.request(base, path, { form, headers });
  }
}

/** The value of a hidden form field (`_csrf`, `idempotency_key`) in an HTML page. */
export function formField(page: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]+)"`).exec(page);
  if (!m) throw new Error(`no ${name} field in page`);
  return m[1];
}

export interface EventStream {
  status: number;
  headers: Headers;
  events: { event: string; data: unknown }[];
  comments: string[];
  /** Waits until `pred()` holds (checked at every chunk and every 50 ms). */
  until(pred: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens a text/event-stream with fetch, parses events as they arrive; resolves after `: connected`. */
export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal, headers });
  const events: { event: string; data: unknown }[] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  const pump = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) events.push({ event, data: JSON.parse(data) });
          for (const w of waiters.splice(0)) w();
          i = buf.indexOf('\n\n');
        }
      }
    } catch {}
  })();
  const until = async (pred: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error('timed out waiting for SSE data');
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  if (res.status === 200) await until(() => comments.includes('connected'));
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    until,
    async close() {
      ac.abort();
      await pump;
    },
  };
}
