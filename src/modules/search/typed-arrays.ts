/** Typed arrays of the search's memory (facts, scratch, index builds) that grow by copying. */

/** A typed array of the same kind as `a`, `size` long, starting with `a`'s content (the rest zero). */
export function widened<T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(
  a: T,
  size: number,
): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
