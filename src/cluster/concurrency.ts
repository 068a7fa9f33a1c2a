/** A Worker invocation may hold six connections open at once. */
export const WORKER_CONNECTIONS = 6;

/**
 * Runs `fn` over `items` with at most `limit` at a time (usually WORKER_CONNECTIONS), so a slow
 * node or frontend does not delay the others more than that.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
