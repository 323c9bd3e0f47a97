import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A small Prometheus text-format registry: request durations per route as histograms,
 * plus gauges other modules set (SSE clients, pending reservations).
 */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Event-loop delay (a blocked loop delays every request): sampled every 10 ms, reset at each scrape. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

class Registry {
  readonly #requests = new Map<string, Histogram>();
  readonly #queries: Histogram = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
  #queryErrors = 0;

  /** Database query timings (all statements, both dialects). */
  observeQuery(seconds: number, failed: boolean): void {
    const h = this.#queries;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
    if (failed) this.#queryErrors++;
  }
  readonly #gauges = new Map<string, { help: string; value: () => number }>();
  readonly #refreshers = new Map<string, () => Promise<void>>();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${method}",route="${route.replace(/"/g, '')}",status="${status}"`;
    let h = this.#requests.get(key);
    if (!h) {
      h = { counts: new Array(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.#requests.set(key, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** Registers a gauge read at scrape time. */
  gauge(name: string, help: string, value: () => number): void {
    this.#gauges.set(name, { help, value });
  }

  /**
   * Registers a gauge whose value comes from an asynchronous read (a database count): `collect()`
   * refreshes it when it is older than `maxAgeMs`, so scrapes (from any number of scrapers) cost at
   * most one read per period. A failed read keeps the last value.
   */
  cachedGauge(name: string, help: string, read: () => Promise<number>, maxAgeMs = 5000): void {
    let value = 0;
    let at = 0;
    let inflight: Promise<void> | undefined;
    this.#gauges.set(name, { help, value: () => value });
    this.#refreshers.set(name, () => {
      if (Date.now() - at < maxAgeMs) return Promise.resolve();
      inflight ??= read()
        .then(
          (v) => {
            value = v;
            at = Date.now();
          },
          () => {},
        )
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    });
  }

  /** Brings cached gauges up to date (called by the /metrics route before `render()`). */
  async collect(): Promise<void> {
    await Promise.all([...this.#refreshers.values()].map((r) => r()));
  }

  render(): string {
    const lines: string[] = [
      '# HELP comptoir_http_request_duration_seconds HTTP request duration by route.',
      '# TYPE comptoir_http_request_duration_seconds histogram',
    ];
    for (const [labels, h] of this.#requests) {
      for (let i = 0; i < BUCKETS.length; i++) {
        const b = BUCKETS[i];
        lines.push(`comptoir_http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`);
      }
      lines.push(`comptoir_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`comptoir_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`comptoir_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    lines.push(
      '# HELP comptoir_db_query_duration_seconds Database query duration.',
      '# TYPE comptoir_db_query_duration_seconds histogram',
    );
    for (let i = 0; i < BUCKETS.length; i++) {
      lines.push(`comptoir_db_query_duration_seconds_bucket{le="${BUCKETS[i]}"} ${this.#queries.counts[i]}`);
    }
    lines.push(`comptoir_db_query_duration_seconds_bucket{le="+Inf"} ${this.#queries.count}`);
    lines.push(`comptoir_db_query_duration_seconds_sum ${this.#queries.sum}`);
    lines.push(`comptoir_db_query_duration_seconds_count ${this.#queries.count}`);
    lines.push(
      '# HELP comptoir_db_query_errors_total Failed database queries.',
      '# TYPE comptoir_db_query_errors_total counter',
    );
    lines.push(`comptoir_db_query_errors_total ${this.#queryErrors}`);
    const mem = process.memoryUsage();
    lines.push(
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
    );
    lines.push(`process_resident_memory_bytes ${mem.rss}`);
    lines.push(
      '# HELP nodejs_heap_used_bytes V8 heap in use.',
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${mem.heapUsed}`,
      '# HELP nodejs_heap_total_bytes V8 heap reserved.',
      '# TYPE nodejs_heap_total_bytes gauge',
      `nodejs_heap_total_bytes ${mem.heapTotal}`,
      '# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JavaScript (buffers).',
      '# TYPE nodejs_external_memory_bytes gauge',
      `nodejs_external_memory_bytes ${mem.external}`,
    );
    const ns = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0);
    lines.push(
      '# HELP nodejs_eventloop_delay_seconds Event-loop delay since the previous scrape (p50, p99, max).',
      '# TYPE nodejs_eventloop_delay_seconds gauge',
      `nodejs_eventloop_delay_seconds{quantile="0.5"} ${ns(loopDelay.percentile(50))}`,
      `nodejs_eventloop_delay_seconds{quantile="0.99"} ${ns(loopDelay.percentile(99))}`,
      `nodejs_eventloop_delay_seconds{quantile="1"} ${ns(loopDelay.max)}`,
    );
    loopDelay.reset();
    for (const [name, g] of this.#gauges) {
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.value()}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

export const metrics = new Registry();
