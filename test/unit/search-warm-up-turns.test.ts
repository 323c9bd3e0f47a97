/**
 * The warm-ups' turns on their diagnostics channel (src/modules/search/warm-up.ts warmUpChannel),
 * which bench/search-tail-probe.ts reads to tell a warm-up's share of a worker's time: while a
 * probe subscribes, each turn (the work between two yields) is published with its phase, interval
 * and thread CPU; the turns of one warm-up follow each other without overlapping, and together
 * they hold its CPU (what its report counts), not the wait for the text index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalogMemory, rebuildSearchIndex } from '../../src/modules/search/index.ts';
import {
  type WarmUpTurnTiming,
  warmBrowseSummaries,
  warmTextHits,
  warmUpChannel,
} from '../../src/modules/search/warm-up.ts';
import { seedMiniRegion } from '../helpers/fixtures.ts';
import { createTestPlatform, type TestPlatform } from '../helpers/platform.ts';

describe('warm-up turns on the diagnostics channel', () => {
  let p: TestPlatform;
  before(async () => {
    p = await createTestPlatform();
    await seedMiniRegion(p.context.database.db);
    await rebuildSearchIndex(p.context.database);
    await catalogMemory(p.context.database);
  });
  after(() => p.close());

  /** Runs `f` with a subscriber, returning what was published meanwhile. */
  async function published<T>(f: () => Promise<T>): Promise<[T, WarmUpTurnTiming[]]> {
    const turns: WarmUpTurnTiming[] = [];
    const on = (m: unknown) => turns.push(m as WarmUpTurnTiming);
    warmUpChannel.subscribe(on);
    try {
      return [await f(), turns];
    } finally {
      warmUpChannel.unsubscribe(on);
    }
  }

  /**
   * Turns in order and not overlapping, their CPU within their intervals: a thread's CPU never
   * exceeds the wall time, up to the kernel's accounting of a running thread (one tick, ≤ 10 ms).
   */
  function assertTurns(
    turns: WarmUpTurnTiming[],
    phase: WarmUpTurnTiming['phase'],
    from: number,
    to: number,
  ) {
    assert.ok(turns.length > 0, `${phase}: turns published`);
    let last = from;
    for (const t of turns) {
      assert.equal(t.phase, phase);
      assert.ok(t.start >= last && t.end >= t.start, `${phase}: in order ${JSON.stringify(t)}`);
      assert.ok(t.cpuMs >= 0, `${phase}: CPU ${JSON.stringify(t)}`);
      last = t.end;
    }
    assert.ok(last <= to, `${phase}: within the call`);
    const cpu = turns.reduce((a, t) => a + t.cpuMs, 0);
    const wall = turns.reduce((a, t) => a + t.end - t.start, 0);
    assert.ok(cpu <= wall + 10, `${phase}: CPU ${cpu} ms in ${wall} ms`);
  }

  test('the browse warm-up publishes its turns, holding its CPU', async () => {
    const from = performance.now();
    const [report, turns] = await published(() =>
      warmBrowseSummaries(p.context.database, { cpuMs: 60_000, maxGapMs: 10_000 }),
    );
    assertTurns(turns, 'browse', from, performance.now());
    assert.equal(report.stopped, 'done');
    // One turn per yield plus the last: at least one per browse after the summaries.
    assert.ok(turns.length >= report.browses + 1, `${turns.length} turns, ${report.browses} browses`);
    const cpu = turns.reduce((a, t) => a + t.cpuMs, 0);
    // The report also counts the moments between turns (the yields); rounding and accounting ticks.
    assert.ok(cpu <= report.cpuMs + 10, `turns ${cpu} ms, report ${report.cpuMs} ms`);
    assert.ok(cpu >= report.cpuMs * 0.5 - 10, `turns ${cpu} ms, report ${report.cpuMs} ms`);
  });

  test('the text warm-up publishes its turns, one at least per list read', async () => {
    const from = performance.now();
    const [report, turns] = await published(() =>
      warmTextHits(p.context.database, { cpuMs: 60_000, maxGapMs: 10_000 }),
    );
    assertTurns(turns, 'text', from, performance.now());
    assert.equal(report.stopped, 'done');
    assert.ok(report.lists > 0);
    assert.ok(turns.length >= report.lists, `${turns.length} turns, ${report.lists} lists`);
    const cpu = turns.reduce((a, t) => a + t.cpuMs, 0);
    assert.ok(cpu <= report.cpuMs + 10, `turns ${cpu} ms, report ${report.cpuMs} ms`);
  });
});
