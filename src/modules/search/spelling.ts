/** "Did you mean": the query with its unknown words replaced by indexed words one edit away. */
import type { Database } from '../../db/database.ts';
import { editsOne, parseQuery } from './normalize.ts';
import { knownTerms, termKnown } from './search.repository.ts';

/**
 * "Did you mean": each word of 4+ letters unknown to the index is replaced by the nearest indexed
 * word one edit away (same length first). Undefined when nothing would change.
 */
export async function spellingSuggestion(database: Database, q: string): Promise<string | undefined> {
  const ws = parseQuery(q);
  if (ws.length === 0) return undefined;
  let changed = false;
  const out: string[] = [];
  for (const w of ws) {
    if (w.word.length < 4 || /^\d+$/.test(w.word)) {
      out.push(w.word);
      continue;
    }
    if (await termKnown(database.db, w.word)) {
      out.push(w.word);
      continue;
    }
    const found = await knownTerms(database.db, editsOne(w.word));
    const best = found.sort(
      (a, b) =>
        Math.abs(a.length - w.word.length) - Math.abs(b.length - w.word.length) ||
        b.length - a.length ||
        a.localeCompare(b),
    )[0];
    if (best) {
      out.push(best);
      changed = true;
    } else out.push(w.word);
  }
  return changed ? out.join(' ') : undefined;
}
