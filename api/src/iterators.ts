/**
 * Several async iterators as one: values in the order they arrive; done when all are. Every source
 * is pulled at once (a subscription is live from the start), and return() reaches every source at
 * once, whether or not anything was read yet (a lazy merge would never start, so never end, its
 * sources when a client leaves before the first event).
 */
export function mergeIterators<T>(sources: AsyncIterator<T>[]): AsyncIterableIterator<T> {
  let finished = false;
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => pending.set(index, sources[index]!.next().then((result) => ({ index, result })));
  sources.forEach((_, index) => pull(index));
  const merged: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]: () => merged,
    async next() {
      while (!finished && pending.size > 0) {
        const { index, result } = await Promise.race(pending.values());
        pending.delete(index);
        if (result.done) continue;
        if (finished) break;
        pull(index);
        return { done: false, value: result.value };
      }
      return { done: true, value: undefined };
    },
    async return() {
      if (!finished) {
        finished = true;
        await Promise.all(sources.map((source) => source.return?.()));
      }
      return { done: true, value: undefined };
    },
  };
  return merged;
}
