/**
 * A small step runner for flows across modules (the model: Medusa's createStep/compensation).
 * Each step is owned by a module (its `run` calls that module's public API) and may say how to
 * undo what it did. The runner runs the steps in order; when one fails, it undoes the steps
 * already completed, newest first, logs every undo that fails (with the step's name) and carries
 * on with the others, then rethrows the original error: the caller sees why the flow failed, never
 * an undo's error.
 */

/** Where the runner reports an undo that failed (pino's `error(obj, msg)` fits). */
export interface StepLog {
  error: (obj: unknown, msg: string) => void;
}

/** One step of a flow: `run` does it and returns what `undo` needs to take it back. */
export interface Step<I, O, C = unknown> {
  /** Shown in the logs (`checkout.reserve`, `checkout.authorize`…). */
  readonly name: string;
  run(input: I, ctx: C): Promise<O>;
  /** Takes back what `run` did, given its output; absent when there is nothing to take back. */
  undo?(output: O, ctx: C): Promise<void>;
}

/** Declares a step (types inferred from `run`). */
export function createStep<I, O, C = unknown>(step: Step<I, O, C>): Step<I, O, C> {
  return step;
}

interface Completed {
  name: string;
  undo: () => Promise<void>;
}

/**
 * A running flow: `run(step, input)` runs one step and remembers its undo; `compensate(err)`
 * undoes the completed steps in reverse order. `runSteps` (below) wraps both for a fixed list;
 * a flow whose next input depends on earlier outputs (the checkout) uses a Flow directly.
 */
export class Flow<C> {
  private readonly done: Completed[] = [];
  private readonly ctx: C;
  private readonly log: StepLog | undefined;
  constructor(ctx: C, log?: StepLog) {
    this.ctx = ctx;
    this.log = log;
  }

  /** Runs one step; its undo (if any) is remembered until the flow ends. */
  async run<I, O>(step: Step<I, O, C>, input: I): Promise<O> {
    const output = await step.run(input, this.ctx);
    const { undo } = step;
    if (undo) this.done.push({ name: step.name, undo: () => undo.call(step, output, this.ctx) });
    return output;
  }

  /**
   * Undoes every completed step, newest first. An undo that fails is logged with its step's name
   * (and the error that caused the rollback) and the others still run.
   */
  async compensate(cause: unknown): Promise<void> {
    while (this.done.length) {
      const s = this.done.pop() as Completed;
      try {
        await s.undo();
      } catch (err) {
        this.log?.error({ err, step: s.name, cause }, `workflow step undo failed: ${s.name}`);
      }
    }
  }

  /**
   * Runs `body` with this flow; on any error, undoes the completed steps (reverse order) and
   * rethrows the original error.
   */
  async execute<T>(body: (flow: Flow<C>) => Promise<T>): Promise<T> {
    try {
      return await body(this);
    } catch (err) {
      await this.compensate(err);
      throw err;
    }
  }
}

/**
 * Runs `steps` in order, each getting the previous step's output (the first gets `input`); on a
 * failure, undoes the completed ones in reverse order (each undo failure logged with the step's
 * name) and rethrows the original error. Returns the last step's output.
 */
export async function runSteps<C>(
  // biome-ignore lint/suspicious/noExplicitAny: a chain of steps of different types
  steps: readonly Step<any, any, C>[],
  input: unknown,
  ctx: C,
  log?: StepLog,
): Promise<unknown> {
  return new Flow(ctx, log).execute(async (flow) => {
    let value: unknown = input;
    for (const step of steps) value = await flow.run(step, value);
    return value;
  });
}
