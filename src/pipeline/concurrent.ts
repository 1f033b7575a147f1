/**
 * Maps an async iterable with at most `limit` calls in flight, yielding results as they
 * complete (unordered). Pulls from the source only when a slot is free, so a fast source
 * never runs ahead of a slow mapper: that is what keeps memory flat.
 */
export async function* mapConcurrent<T, R>(
  source: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const running = new Map<number, Promise<{ id: number; value: R }>>();
  let nextId = 0;
  let done = false;
  try {
    for (;;) {
      while (!done && running.size < limit) {
        const step = await iterator.next();
        if (step.done) {
          done = true;
          break;
        }
        const id = nextId++;
        running.set(
          id,
          fn(step.value).then((value) => ({ id, value })),
        );
      }
      if (running.size === 0) return;
      const { id, value } = await Promise.race(running.values());
      running.delete(id);
      yield value;
    }
  } finally {
    if (!done) await iterator.return?.();
    // Let in-flight mappers settle so none rejects unobserved after we return.
    await Promise.allSettled(running.values());
  }
}

/** Groups an async iterable into arrays of at most `size`. */
export async function* inGroups<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let group: T[] = [];
  for await (const item of source) {
    group.push(item);
    if (group.length >= size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

/** Groups merged until each holds at least `size` items (the last may hold fewer). */
export async function* atLeast<T>(groups: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let held: T[] = [];
  for await (const group of groups) {
    held = held.length === 0 ? group : held.concat(group);
    if (held.length >= size) {
      yield held;
      held = [];
    }
  }
  if (held.length > 0) yield held;
}

export async function* flatten<T>(groups: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const group of groups) yield* group;
}
