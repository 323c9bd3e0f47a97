// Where a one-process server's memory is after the realistic search load, part by part, and what a
// setting or a tree costs in CPU per search, variants alternating on the same data directory.
// Results go in docs/PERFORMANCE.md (issue 19, the 500 MB budget).
//
//   npx node bench/server-memory.ts --data DIR [--variants 'base|mmap0:SQLITE_MMAP_MB=0'] [--rounds 2]
//                                   [--settle 20] [--warmup 10] [--duration 15] [--mappings 12]
//
// A variant is `name` or `name:K=V;K=V…`: environment of its server (NODE_OPTIONS appended to
// the probe's), and TREE=/path to run another source tree (a `git archive` of a commit) there.
// Each server: `comptoir serve` on DIR (one process), /readyz, --settle s idle (its background
// warm-up), --warmup s of the realistic mix at 4 connections, then --duration s at 1 and at 16
// connections (CPU per search from /proc/PID/stat, every thread), then its memory: /proc status
// (RSS, anonymous, file-backed), /proc/PID/smaps grouped (file mappings by file, glibc's brk heap,
// stacks, other anonymous mappings, the largest listed), and from inside (bench/memory-probe.ts,
// SIGUSR2) V8's heap spaces committed/used and process.memoryUsage()'s external and arrayBuffers.
// "native" = anonymous − V8 heap committed − external (SQLite's page cache, malloc arenas, threads).
// DIR is written to (the server's facts snapshot and text index file): use a copy of the region.
// --queries FILE: the texts of FILE (one a line, e.g. bench/distinct-queries.ts's), taken in turn
// (each once before any repeats), at the realistic mix's points and radii, instead of its texts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { realisticShopper } from './realistic-queries.ts';

interface Instance extends PromiseLike<unknown> {
  on(event: 'response', cb: (client: unknown, status: number) => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => Instance;

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    variants: { type: 'string', default: 'base' },
    rounds: { type: 'string', default: '1' },
    settle: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '10' },
    duration: { type: 'string', default: '15' },
    mappings: { type: 'string', default: '12' },
    queries: { type: 'string' },
    // A V8 heap snapshot of each server after its measures, written to this directory.
    'heap-snapshot': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help || !values.data) {
  (values.help ? process.stdout : process.stderr).write(
    "Usage: npx node bench/server-memory.ts --data DIR [--variants 'a|b:K=V;K=V'] [--rounds N]\n" +
      '       [--settle S] [--warmup S] [--duration S] [--mappings N] [--queries FILE]\n',
  );
  process.exit(values.help ? 0 : 2);
}
const DATA = resolve(values.data);
const PROBE = fileURLToPath(new URL('./memory-probe.ts', import.meta.url));
const HERE = fileURLToPath(new URL('..', import.meta.url));
const mb = (kb: number) => Math.round(kb / 1024);
const SNAPSHOTS = values['heap-snapshot'] && resolve(values['heap-snapshot']);

interface Variant {
  name: string;
  env: Record<string, string>;
  tree: string;
}
const variants: Variant[] = values.variants!.split('|').map((v) => {
  const [name, spec = ''] = v.split(/:(.*)/s) as [string, string?];
  const env: Record<string, string> = {};
  let tree = HERE;
  for (const kv of spec.split(';').filter(Boolean)) {
    const [k, val = ''] = kv.split(/=(.*)/s) as [string, string?];
    if (k === 'TREE') tree = resolve(val);
    else env[k] = val;
  }
  return { name, env, tree };
});

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(v: Variant, probeFile: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    cwd: v.tree,
    env: {
      ...process.env,
      DATA_DIR: DATA,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      SESSION_SECRET: randomBytes(24).toString('hex'),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      WEB_CONCURRENCY: '1',
      COMPTOIR_MEMORY_PROBE: probeFile,
      ...v.env,
      NODE_OPTIONS: [
        `--import ${PROBE}`,
        SNAPSHOTS ? `--heapsnapshot-signal=SIGWINCH --diagnostic-dir=${SNAPSHOTS}` : '',
        v.env.NODE_OPTIONS ?? '',
      ]
        .filter(Boolean)
        .join(' '),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  for (let i = 0; i < 6000 && child.exitCode === null; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok)
        return { child, base, ready_s: (performance.now() - t0) / 1000 };
    } catch {}
    await sleep(50);
  }
  child.kill();
  throw new Error('server did not become ready');
}

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime), in clock ticks of 10 ms; `rest` starts at field 3.
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

let seed = 42;
const shopper = realisticShopper(() => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
});
const queryTexts = values.queries
  ? readFileSync(values.queries, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
  : undefined;
let nextText = 0;
function searchPath() {
  // The realistic text is drawn either way: the points stay those of the realistic mix.
  const drawn = shopper.text();
  const q = queryTexts ? queryTexts[nextText++ % queryTexts.length]! : drawn;
  const { lat, lng } = shopper.point();
  return `/api/v1/search?q=${encodeURIComponent(q)}&lat=${lat.toFixed(5)}&lng=${lng.toFixed(5)}&radius_km=${shopper.radius()}&per_page=20`;
}

async function load(base: string, pid: number, connections: number, seconds: number) {
  const cpu0 = cpuMs(pid);
  let ok = 0;
  const inst = autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: searchPath() }) }],
  });
  inst.on('response', (_c, status) => {
    if (status === 200) ok++;
  });
  await inst;
  const cpu = cpuMs(pid) - cpu0;
  return {
    searches: ok,
    per_s: Math.round(ok / seconds),
    cpu_ms_per_search: +(cpu / Math.max(1, ok)).toFixed(3),
  };
}

function status(pid: number) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return {
    rss: mb(kb('VmRSS')),
    peak: mb(kb('VmHWM')),
    anon: mb(kb('RssAnon')),
    file: mb(kb('RssFile')),
    threads: kb('Threads'),
  };
}

/** The child processes of `pid` (cluster workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (kids) out.push(...kids.split(/\s+/).map(Number));
  }
  return out;
}

/** /proc/PID/smaps grouped: file mappings by file, [heap], [stack], other anonymous; the largest anonymous listed. */
function smaps(pid: number) {
  const groups = new Map<string, number>();
  const anon: { range: string; size_kb: number; rss_kb: number }[] = [];
  let cur: { range: string; name: string; size: number } | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+-[0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { range: head[1]!, name: head[2]!.trim(), size: 0 };
      continue;
    }
    if (!cur) continue;
    const kv = /^(\w+):\s+(\d+) kB/.exec(line);
    if (!kv) continue;
    if (kv[1] === 'Size') cur.size = Number(kv[2]);
    if (kv[1] !== 'Rss') continue;
    const rss = Number(kv[2]);
    if (!rss) continue;
    let key: string;
    if (!cur.name) {
      key = 'anonymous';
      anon.push({ range: cur.range, size_kb: cur.size, rss_kb: rss });
    } else if (cur.name.startsWith('[')) key = cur.name;
    else if (cur.name.endsWith('comptoir.db') || cur.name.endsWith('comptoir.db-shm'))
      key = `file ${cur.name.split('/').pop()}`;
    else if (cur.name.includes('/node') && !cur.name.includes('.so')) key = 'file node binary';
    else key = 'file other (libraries, ICU…)';
    groups.set(key, (groups.get(key) ?? 0) + rss);
  }
  anon.sort((a, b) => b.rss_kb - a.rss_kb);
  const bySize = new Map<string, number>();
  for (const a of anon) {
    const k =
      a.size_kb >= 65536
        ? 'anon ≥ 64 MB mappings'
        : a.size_kb >= 8192
          ? 'anon 8–64 MB'
          : a.size_kb >= 1024
            ? 'anon 1–8 MB'
            : 'anon < 1 MB';
    bySize.set(k, (bySize.get(k) ?? 0) + a.rss_kb);
  }
  return {
    groups_mb: Object.fromEntries([...groups].map(([k, v]) => [k, mb(v)])),
    anon_by_mapping_size_mb: Object.fromEntries([...bySize].map(([k, v]) => [k, mb(v)])),
    largest_anon: anon
      .slice(0, Number(values.mappings))
      .map((a) => `${mb(a.rss_kb)}/${mb(a.size_kb)} MB ${a.range}`),
  };
}

async function probe(pid: number, file: string) {
  const path = `${file}.${pid}.json`;
  rmSync(path, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(path); i++) await sleep(50);
  const p = JSON.parse(readFileSync(path, 'utf8')) as {
    usage: NodeJS.MemoryUsage;
    heap: {
      total_heap_size: number;
      used_heap_size: number;
      malloced_memory: number;
      total_physical_size: number;
    };
    spaces: {
      space_name: string;
      space_size: number;
      space_used_size: number;
      physical_space_size: number;
    }[];
    hitCache?: { entries: number; bytes: number };
  };
  const m = (b: number) => Math.round(b / 1048576);
  return {
    heap_committed: m(p.heap.total_heap_size),
    heap_physical: m(p.heap.total_physical_size),
    heap_used: m(p.heap.used_heap_size),
    external: m(p.usage.external),
    array_buffers: m(p.usage.arrayBuffers),
    v8_malloced: m(p.heap.malloced_memory),
    // The text-hit cache as it counts itself against its bound (a tree without the count: absent).
    hit_cache_entries: p.hitCache?.entries,
    hit_cache_mb: p.hitCache && +(p.hitCache.bytes / 1048576).toFixed(1),
    spaces: Object.fromEntries(
      p.spaces
        .filter((s) => s.space_size > 524288)
        .map((s) => [s.space_name, `${m(s.space_used_size)}/${m(s.physical_space_size)}`]),
    ),
  };
}

/** Signals the server to write a heap snapshot (--heapsnapshot-signal) and waits until it is complete. */
async function heapSnapshot(pid: number) {
  const before = new Set(readdirSync(SNAPSHOTS!));
  process.kill(pid, 'SIGWINCH');
  for (let i = 0; i < 1200; i++) {
    await sleep(250);
    const made = readdirSync(SNAPSHOTS!).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!made) continue;
    const size = () => statSync(join(SNAPSHOTS!, made)).size;
    let last = -1;
    while (size() !== last) {
      last = size();
      await sleep(1000);
    }
    console.log(JSON.stringify({ heap_snapshot: join(SNAPSHOTS!, made) }));
    return;
  }
}

console.log(JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), variants }));
const rows: Record<string, unknown>[] = [];
const probeFile = `/tmp/server-memory-probe-${process.pid}`;
for (let round = 1; round <= Number(values.rounds); round++)
  for (const v of variants) {
    seed = 42;
    nextText = 0;
    const s = await start(v, probeFile);
    try {
      const pid = s.child.pid!;
      await sleep(Number(values.settle) * 1000);
      await load(s.base, pid, 4, Number(values.warmup));
      const one = await load(s.base, pid, 1, Number(values.duration));
      const sixteen = await load(s.base, pid, 16, Number(values.duration));
      await sleep(1000);
      const st = status(pid);
      // Several processes (a variant with WEB_CONCURRENCY > 1): the primary is `pid`, the workers
      // its children; each one's /proc status and main arena, and their sum.
      const workers = childrenOf(pid).map((w) => ({
        pid: w,
        ...status(w),
        '[heap]': smaps(w).groups_mb['[heap]'] ?? 0,
      }));
      const inside = await probe(pid, probeFile);
      const maps = smaps(pid);
      const row = {
        variant: v.name,
        round,
        load: +loadavg()[0]!.toFixed(1),
        'search/s 1c': one.per_s,
        'cpu ms 1c': one.cpu_ms_per_search,
        'search/s 16c': sixteen.per_s,
        'cpu ms 16c': sixteen.cpu_ms_per_search,
        RSS: st.rss,
        anon: st.anon,
        file: st.file,
        'heap used/committed': `${inside.heap_used}/${inside.heap_committed}`,
        external: inside.external,
        'cache MB/entries': `${inside.hit_cache_mb}/${inside.hit_cache_entries}`,
        '[heap]': maps.groups_mb['[heap]'],
        native: st.anon - inside.heap_committed - inside.external,
      };
      rows.push(row);
      if (SNAPSHOTS) await heapSnapshot(pid);
      if (workers.length > 0)
        Object.assign(row, {
          'RSS all': st.rss + workers.reduce((a, w) => a + w.rss, 0),
          'worker RSS': workers.map((w) => w.rss).join('/'),
        });
      console.log(
        JSON.stringify({ ...row, ready_s: +s.ready_s.toFixed(2), status: st, inside, maps, workers }),
      );
    } finally {
      const gone = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await gone;
      rmSync(`${probeFile}.${s.child.pid}.json`, { force: true });
    }
  }
console.log(JSON.stringify({ loadavg_end: loadavg() }));
console.table(rows);
