/**
 * One bound for the platform fee (issue 15): PLATFORM_FEE_PERCENT, the initial fee until an
 * operator sets the region's, is validated at boot with the region setting's bound (0–30 %) and
 * precision (two decimals, a whole number of basis points), with a message naming both.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, MAX_PLATFORM_FEE_PERCENT } from '../../src/config.ts';
import { regionSettingsSchema } from '../../src/modules/region/index.ts';

const env = (v: string) => ({ NODE_ENV: 'test', PLATFORM_FEE_PERCENT: v });

describe('PLATFORM_FEE_PERCENT has the region setting’s bound', () => {
  it('accepts 0 to 30 with two decimals', () => {
    assert.equal(MAX_PLATFORM_FEE_PERCENT, 30);
    for (const [v, n] of [
      ['0', 0],
      ['2.5', 2.5],
      ['12.75', 12.75],
      ['30', 30],
    ] as const)
      assert.equal(loadConfig(env(v)).PLATFORM_FEE_PERCENT, n, v);
    assert.equal(loadConfig({ NODE_ENV: 'test' }).PLATFORM_FEE_PERCENT, 0);
  });

  it('refuses what the region page would refuse, with a clear message at boot', () => {
    for (const bad of ['30.01', '50', '-1', '2.555', 'beaucoup'])
      assert.throws(
        () => loadConfig(env(bad)),
        (e: unknown) =>
          e instanceof ConfigError &&
          /PLATFORM_FEE_PERCENT/.test(e.message) &&
          (bad === 'beaucoup' || /from 0 to 30 with at most two decimals/.test(e.message)),
        bad,
      );
  });

  it('the region setting uses the same bound', () => {
    const fee = regionSettingsSchema.shape.platform_fee_percent;
    assert.equal(fee.safeParse('30').success, true);
    assert.equal(fee.safeParse('30.01').success, false);
    assert.equal(fee.safeParse('2.555').success, false);
  });
});
