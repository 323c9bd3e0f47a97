import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Runs one full garbage collection. After the large start-up loads (the search module reads a
 * million products in pages) V8 keeps its heap sized for that peak, about three times what stays
 * alive; a full collection then lets it give those pages back to the system. Called once, after
 * the warm-up, not on a timer: V8 schedules its own collections the rest of the time.
 */
export function collectStartupGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}
