/** `list` cut into consecutive pieces of at most `size` items (bounded `IN (…)` lists and insert batches). */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
