import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createStep, Flow, runSteps } from '../../src/workflows/runner.ts';

function recorder() {
  const calls: string[] = [];
  const logged: { obj: { step?: string; err?: unknown; cause?: unknown }; msg: string }[] = [];
  const log = { error: (obj: unknown, msg: string) => logged.push({ obj: obj as never, msg }) };
  const step = (name: string, opts: { fail?: Error; undoFails?: Error; noUndo?: boolean } = {}) =>
    createStep<number, number>({
      name,
      async run(input) {
        calls.push(`run ${name} ${input}`);
        if (opts.fail) throw opts.fail;
        return input + 1;
      },
      ...(opts.noUndo
        ? {}
        : {
            async undo(output: number) {
              calls.push(`undo ${name} ${output}`);
              if (opts.undoFails) throw opts.undoFails;
            },
          }),
    });
  return { calls, logged, log, step };
}

describe('workflow runner', () => {
  test('runs the steps in order, each with the previous output, and undoes nothing on success', async () => {
    const r = recorder();
    const out = await runSteps([r.step('a'), r.step('b'), r.step('c')], 1, {}, r.log);
    assert.equal(out, 4);
    assert.deepEqual(r.calls, ['run a 1', 'run b 2', 'run c 3']);
    assert.equal(r.logged.length, 0);
  });

  test('a failure undoes the completed steps in reverse order and rethrows the original error', async () => {
    const r = recorder();
    const boom = new Error('boom');
    await assert.rejects(
      runSteps(
        [r.step('a'), r.step('b', { noUndo: true }), r.step('c'), r.step('d', { fail: boom })],
        1,
        {},
        r.log,
      ),
      (e) => e === boom,
    );
    assert.deepEqual(r.calls, ['run a 1', 'run b 2', 'run c 3', 'run d 4', 'undo c 4', 'undo a 2']);
    assert.equal(r.logged.length, 0);
  });

  test('an undo that fails is logged with its step name, the other undos still run, the original error is rethrown', async () => {
    const r = recorder();
    const boom = new Error('boom');
    const undoErr = new Error('void failed');
    await assert.rejects(
      runSteps(
        [r.step('reserve'), r.step('authorize', { undoFails: undoErr }), r.step('confirm', { fail: boom })],
        1,
        {},
        r.log,
      ),
      (e) => e === boom,
    );
    assert.deepEqual(r.calls, [
      'run reserve 1',
      'run authorize 2',
      'run confirm 3',
      'undo authorize 3',
      'undo reserve 2',
    ]);
    assert.equal(r.logged.length, 1);
    assert.equal(r.logged[0].obj.step, 'authorize');
    assert.equal(r.logged[0].obj.err, undoErr);
    assert.equal(r.logged[0].obj.cause, boom);
    assert.match(r.logged[0].msg, /authorize/);
  });

  test('a Flow passes its context to run and undo, and undoes steps run before a failure in the body', async () => {
    const seen: unknown[] = [];
    const ctx = { id: 7 };
    const s = createStep<string, string, typeof ctx>({
      name: 's',
      async run(input, c) {
        seen.push(['run', input, c.id]);
        return `${input}!`;
      },
      async undo(output, c) {
        seen.push(['undo', output, c.id]);
      },
    });
    const boom = new Error('after');
    await assert.rejects(
      new Flow(ctx).execute(async (flow) => {
        await flow.run(s, 'x');
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.deepEqual(seen, [
      ['run', 'x', 7],
      ['undo', 'x!', 7],
    ]);
  });
});
