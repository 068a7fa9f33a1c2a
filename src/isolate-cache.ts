/** How long a request without a cached copy waits for Postgres before using the mirror. */
const COLD_READ_MS = 2000;

/**
 * Configuration (servers, tenants) read from Postgres at most every few seconds per isolate, not
 * per request. A stale copy keeps serving while a refresh runs in the background, and while
 * Postgres is unreachable; an isolate without a copy then falls back to the mirror the poller
 * keeps in Redis, so requests keep working while Postgres is down.
 */
export class IsolateCache<Row, Value> {
  private cached: { at: number; value: Value } | undefined;
  private refreshing: Promise<Value> | undefined;
  /** Bumped by invalidate(): a read begun before an admin change must not be cached after it. */
  private generation = 0;

  /** `index` turns the rows, from Postgres or the mirror, into what callers look up. */
  constructor(private readonly index: (rows: Row[]) => Value) {}

  /** Fresh read, for the poller and the admin API, which must see the latest configuration. */
  fresh(read: () => Promise<Row[]>): Promise<Value> {
    if (this.refreshing) return this.refreshing;
    const generation = this.generation;
    const reading = read().then((rows) => {
      const value = this.index(rows);
      if (generation === this.generation) this.cached = { at: Date.now(), value };
      return value;
    });
    this.refreshing = reading;
    const done = () => {
      if (this.refreshing === reading) this.refreshing = undefined;
    };
    reading.then(done, done);
    return reading;
  }

  async get(
    read: () => Promise<Row[]>,
    maxAgeMs: number,
    waitUntil: (p: Promise<unknown>) => void,
    /** Where to read the rows when Postgres is down and nothing is cached; null when Redis holds none. */
    mirror?: () => Promise<Row[] | null>,
  ): Promise<Value> {
    if (!this.cached) return mirror ? this.coldRead(read, waitUntil, mirror) : this.fresh(read);
    // Swallowed: a failed refresh leaves the stale copy in place and is retried next time.
    if (Date.now() - this.cached.at > maxAgeMs) waitUntil(this.fresh(read).catch(() => undefined));
    return this.cached.value;
  }

  /** After an admin change in this isolate, the next request reads Postgres again. */
  invalidate(): void {
    this.cached = undefined;
    // A refresh already in flight may have read the rows before the change: neither wait for it nor keep it.
    this.refreshing = undefined;
    this.generation++;
  }

  /** Postgres for at most COLD_READ_MS, then the mirror; without a mirror, Postgres however long it takes. */
  private async coldRead(read: () => Promise<Row[]>, waitUntil: (p: Promise<unknown>) => void, mirror: () => Promise<Row[] | null>): Promise<Value> {
    const fresh = this.fresh(read);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('Postgres is slow')), COLD_READ_MS)));
    try {
      return await Promise.race([fresh, slow]);
    } catch {
      const rows = await mirror();
      // Nothing else to serve: Postgres's own answer or error (a BBB internalError, never a guess).
      if (rows === null) return await fresh;
      waitUntil(fresh.catch(() => undefined));
      // Counted as already stale, so the next request tries Postgres again in the background.
      this.cached ??= { at: 0, value: this.index(rows) };
      return this.cached.value;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
