import type { Database } from '../../db/database.ts';

/**
 * Rebuilds the whole search index from the catalogue (after a bulk load such as the demo seed).
 * Placeholder until the search module lands: a no-op.
 */
export async function rebuildSearchIndex(
  _database: Database,
  _onProgress?: (done: number, total: number, phase: string) => void,
): Promise<void> {}
