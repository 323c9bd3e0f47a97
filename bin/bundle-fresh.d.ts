/** Whether `bundle` is newer than every source under `root` (bin/bundle-fresh.js). */
export function bundleIsFresh(bundle: string, root: string): boolean;
