// Per-node record of inbound API calls, so tests can check what the balancer actually sent.

export interface CallRecord {
  call: string;
  method: string;
  rawQuery: string;
  contentType: string | null;
  /** UTF-8 body, cut to BODY_LIMIT characters. */
  body: string;
  bodyTruncated: boolean;
  /** Epoch milliseconds. */
  at: number;
}

export interface CallsSnapshot {
  counts: Record<string, number>;
  total: number;
  /** Oldest first, at most RECENT_LIMIT entries. */
  recent: CallRecord[];
}

const RECENT_LIMIT = 50;
const BODY_LIMIT = 2048;

export class CallLog {
  private counts: Record<string, number> = {};
  private total = 0;
  private recent: CallRecord[] = [];

  record(entry: { call: string; method: string; rawQuery: string; contentType: string | null; body: Buffer }): void {
    this.counts[entry.call] = (this.counts[entry.call] ?? 0) + 1;
    this.total++;
    const text = entry.body.toString('utf8');
    this.recent.push({
      call: entry.call,
      method: entry.method,
      rawQuery: entry.rawQuery,
      contentType: entry.contentType,
      body: text.slice(0, BODY_LIMIT),
      bodyTruncated: text.length > BODY_LIMIT,
      at: Date.now(),
    });
    if (this.recent.length > RECENT_LIMIT) this.recent.shift();
  }

  snapshot(): CallsSnapshot {
    return { counts: { ...this.counts }, total: this.total, recent: [...this.recent] };
  }

  clear(): void {
    this.counts = {};
    this.total = 0;
    this.recent = [];
  }
}
