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
    for (const [name, g] of this.#gauges) {
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.value()}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

export const metrics = new Registry();
