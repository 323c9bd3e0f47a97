// What the benches share: their command line (options, --help, the usage on a bad call), the seeded
// sequence their searches are drawn from, the percentiles and CPU clock they report with, the
// machine line they start with and the log they give the facts' snapshot. One definition, so that
// two benches given the same seed draw the same searches and compute their percentiles alike.
import { cpus, loadavg, totalmem } from 'node:os';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** The `--help` (`-h`) option every bench takes. */
const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

/** A bench's options as parsed: `options`' values (typed by their declarations) and `help`. */
export type BenchValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O & typeof HELP }>
>['values'];

/**
 * Parses the command line into `options`' values (plus `--help`). `--help` prints `usage` on stdout
 * and exits 0; an unknown option or a bad value, or values that `valid` refuses (a required option
 * missing), print the problem and `usage` on stderr and exit 2.
 */
export function benchArgs<const O extends ParseArgsOptionsConfig>(
  usage: string,
  options: O,
  valid: (values: BenchValues<O>) => boolean = () => true,
): BenchValues<O> {
  const text = usage.endsWith('\n') ? usage : `${usage}\n`;
  let values: BenchValues<O>;
  try {
    values = parseArgs({ options: { ...options, ...HELP } }).values as BenchValues<O>;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${text}`);
    process.exit(2);
  }
  // Generic here, `help` is not seen in the parsed type (it is there: HELP is merged in).
  if ((values as { help?: boolean }).help) {
    process.stdout.write(text);
    process.exit(0);
  }
  if (!valid(values)) {
    process.stderr.write(text);
    process.exit(2);
  }
  return values;
}

/**
 * The next number of a seeded sequence in [0, 1] (a linear congruential generator, 31 bits): the
 * same seed draws the same searches in every bench (and as test/helpers/random-catalogue.ts does).
 */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** An element of a list drawn with `random`. */
export const pickWith =
  (random: () => number) =>
  <T>(xs: readonly T[]): T =>
    xs[Math.floor(random() * xs.length)]!;

/** The value at the `p`th percentile of `xs` (nearest rank, not interpolated; 0 when empty). */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `x` to `digits` decimals (3 by default: microseconds of a figure in milliseconds). */
export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** CPU time of this thread (ms): what a request costs, whatever else the machine runs. */
export function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/** The load averages (1, 5, 15 min) to two decimals: the machine's load during a run. */
export const loadAverage = () => loadavg().map((x) => Math.round(x * 100) / 100);

/**
 * The run's machine, first fields of a bench's opening JSON line: the date, cores (and with
 * `memory` the gigabytes of RAM), the load and Node's version.
 */
export function machine(options: { memory?: boolean } = {}) {
  return {
    date: new Date().toISOString(),
    cpus: cpus().length,
    ...(options.memory ? { mem_gb: Math.round(totalmem() / 2 ** 30) } : {}),
    loadavg: loadAverage(),
    node: process.version,
  };
}

/** A log for the facts' snapshot (memory.ts useFactsSnapshot): quiet but for its warnings. */
export const quietLog = {
  info() {},
  warn(o: object, msg: string) {
    console.error(msg, o);
  },
};
