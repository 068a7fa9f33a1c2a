/**
 * A TypeScript client of the ingest protocol (docs/recordings-ingest.md), for tests, the
 * benchmark and migration tooling. Runtime-neutral (WebCrypto, fetch, Blob): it runs in Node
 * and inside workerd. The node-side bash script speaks the same protocol.
 */
import { digestHex } from '../../src/crypto.js';
import { MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES } from '../../src/recordings/ingest/batch-body.js';
import { manifestLine } from '../../src/recordings/ingest/manifest.js';
import { NODE_HEADERS, sign, EMPTY_SHA256 } from '../../src/recordings/ingest/node-auth.js';

export const INGEST_PATH = '/recordings/ingest/v1';

export interface IngestClientOptions {
  /** The balancer's base URL, e.g. https://lb.example.com */
  baseUrl: string;
  serverId: string;
  /** The node's BBB API secret. */
  secret: string;
  /** Sends one request (defaults to global fetch); tests route it into the Worker directly. */
  send?: (req: Request) => Promise<Response>;
  /** Files larger than this go in parts of `partSize` bytes. */
  multipartThreshold?: number;
  partSize?: number;
  /** Files of at most 4 MiB go together, up to this many per request (default 100); 1 sends each alone, as clients before batches did. */
  batchFiles?: number;
  /** Bytes of files in one batch (default 8 MiB). */
  batchBytes?: number;
  /** Requests in flight at once (default 4). */
  parallel?: number;
  /** Unix milliseconds; tests skew it. */
  now?: () => number;
}

export interface UploadFile {
  format: string;
  /** Path inside `<format>/<recordID>/`. */
  path: string;
  data: Blob;
  /** Hex SHA-256 of `data`; computed when absent (reads the whole file). */
  sha256?: string;
}

export class IngestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'IngestError';
  }
}

export async function sha256Of(data: Blob | Uint8Array<ArrayBuffer> | string): Promise<string> {
  return digestHex('SHA-256', typeof data === 'string' || data instanceof Uint8Array ? data : await data.arrayBuffer());
}

/** Percent-encodes each segment of a relative path, keeping the slashes. */
export const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export class IngestClient {
  readonly partSize: number;
  readonly multipartThreshold: number;
  readonly batchFiles: number;
  readonly batchBytes: number;
  readonly parallel: number;

  constructor(readonly o: IngestClientOptions) {
    this.partSize = o.partSize ?? 64 * 1024 * 1024;
    this.multipartThreshold = o.multipartThreshold ?? this.partSize;
    this.batchFiles = Math.min(o.batchFiles ?? 100, MAX_BATCH_FILES);
    this.batchBytes = o.batchBytes ?? 8 * 1024 * 1024;
    this.parallel = o.parallel ?? 4;
  }

  /** One signed request; `target` is the path and query after the ingest prefix. */
  async request(method: string, target: string, body?: Blob | string, bodySha256?: string): Promise<Response> {
    const fullTarget = `${INGEST_PATH}/${target}`;
    const timestamp = String(Math.floor((this.o.now?.() ?? Date.now()) / 1000));
    const contentSha256 = bodySha256 ?? (body === undefined ? EMPTY_SHA256 : await sha256Of(body));
    const signature = await sign(this.o.secret, { method, target: fullTarget, serverId: this.o.serverId, timestamp, contentSha256 });
    const headers: Record<string, string> = {
      [NODE_HEADERS.server]: this.o.serverId,
      [NODE_HEADERS.timestamp]: timestamp,
      [NODE_HEADERS.contentSha256]: contentSha256,
      [NODE_HEADERS.signature]: signature,
    };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(await body.arrayBuffer());
      init.body = bytes;
      // Stated even where the runtime would add it (an in-process Request does not): the Worker requires it.
      headers['content-length'] = String(bytes.length);
    }
    const req = new Request(this.o.baseUrl + fullTarget, init);
    return (this.o.send ?? fetch)(req);
  }

  private async ok(res: Promise<Response>): Promise<any> {
    const r = await res;
    const text = await r.text();
    if (r.ok) return r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    let code = 'http_error';
    let message = text.slice(0, 300);
    try {
      const err = JSON.parse(text).error;
      code = err.code;
      message = err.message;
    } catch {
      // not one of ours (a proxy's error page): keep the text
    }
    throw new IngestError(r.status, code, message);
  }

  private ref(recordId: string, f: { format: string; path: string }): string {
    return `${encodeURIComponent(recordId)}/${encodeURIComponent(f.format)}/${encodePath(f.path)}`;
  }

  putFile(recordId: string, f: UploadFile & { sha256: string }): Promise<any> {
    return this.ok(this.request('PUT', `file/${this.ref(recordId, f)}`, f.data, f.sha256));
  }

  /** Several small files in one request: their manifest lines, an empty line, then their bytes. */
  async putFiles(recordId: string, files: (UploadFile & { sha256: string })[]): Promise<{ stored: number }> {
    const list = files.map((f) => manifestLine({ ...f, size: f.data.size }) + '\n').join('') + '\n';
    // The signed digest is the list's: it names each file's digest in turn.
    return this.ok(this.request('POST', `files/${encodeURIComponent(recordId)}`, new Blob([list, ...files.map((f) => f.data)]), await sha256Of(list)));
  }

  beginMultipart(recordId: string, f: UploadFile & { sha256: string }): Promise<{ status: string; partSize?: number; partCount?: number; done?: number[] }> {
    const q = `size=${f.data.size}&sha256=${f.sha256}&partSize=${this.partSize}`;
    return this.ok(this.request('POST', `multipart/${this.ref(recordId, f)}?${q}`));
  }

  putPart(recordId: string, f: UploadFile, number: number, partSize: number): Promise<any> {
    const part = f.data.slice((number - 1) * partSize, number * partSize);
    return this.ok(this.request('PUT', `part/${this.ref(recordId, f)}?number=${number}`, part));
  }

  completeMultipart(recordId: string, f: UploadFile): Promise<any> {
    return this.ok(this.request('POST', `multipart-complete/${this.ref(recordId, f)}`));
  }

  complete(recordId: string, manifest: string): Promise<any> {
    return this.ok(this.request('POST', `complete/${encodeURIComponent(recordId)}`, manifest));
  }

  /**
   * What a node's post_archive (processing) and post_process (processed, `format` done) hooks
   * report before publishing: `events` is the `<recording>` excerpt of its raw events.xml.
   */
  reportProcessing(
    recordId: string,
    r: { state: 'processing' | 'processed'; formats: string[]; ended: number; format?: string; events: string },
  ): Promise<{ recordID: string; state: string; formats: string[] }> {
    const q = new URLSearchParams({ state: r.state, formats: r.formats.join(','), ended: String(r.ended), ...(r.format ? { format: r.format } : {}) });
    return this.ok(this.request('POST', `processing/${encodeURIComponent(recordId)}?${q}`, r.events));
  }

  /** Stored files as manifest lines. */
  async status(recordId: string): Promise<Set<string>> {
    const text: string = await this.ok(this.request('GET', `status/${encodeURIComponent(recordId)}`));
    return new Set(text.split('\n').filter(Boolean));
  }

  /** Uploads one file, resuming a multipart upload where it stopped. */
  async uploadFile(recordId: string, f: UploadFile & { sha256: string }): Promise<void> {
    if (f.data.size <= this.multipartThreshold) {
      await this.putFile(recordId, f);
      return;
    }
    const begun = await this.beginMultipart(recordId, f);
    if (begun.status === 'complete') return;
    const done = new Set(begun.done);
    for (let n = 1; n <= begun.partCount!; n++) if (!done.has(n)) await this.putPart(recordId, f, n, begun.partSize!);
    await this.completeMultipart(recordId, f);
  }

  /** The whole protocol for one recording: skip what is stored, upload the rest (small files in batches, a few requests at once), complete. */
  async uploadRecording(recordId: string, files: UploadFile[]): Promise<any> {
    const withDigests = await Promise.all(files.map(async (f) => ({ ...f, sha256: f.sha256 ?? (await sha256Of(f.data)) })));
    const lines = withDigests.map((f) => manifestLine({ ...f, size: f.data.size }));
    const stored = await this.status(recordId);
    const todo = withDigests.filter((_, i) => !stored.has(lines[i]!));
    await inParallel(this.parallel, this.uploads(recordId, todo));
    const manifest = lines.map((l) => l + '\n').join('');
    return this.complete(recordId, manifest);
  }

  /** One upload per request: batches of small files, then each large file alone. */
  private uploads(recordId: string, files: (UploadFile & { sha256: string })[]): (() => Promise<unknown>)[] {
    const batchable = (f: UploadFile) => this.batchFiles > 1 && f.data.size <= Math.min(MAX_BATCH_FILE_BYTES, this.batchBytes);
    const batches: (UploadFile & { sha256: string })[][] = [];
    let bytes = Infinity;
    for (const f of files.filter(batchable)) {
      if ((batches.at(-1)?.length ?? 0) >= this.batchFiles || bytes + f.data.size > this.batchBytes) {
        batches.push([]);
        bytes = 0;
      }
      batches.at(-1)!.push(f);
      bytes += f.data.size;
    }
    return [
      ...batches.map((b) => () => (b.length === 1 ? this.putFile(recordId, b[0]!) : this.putFiles(recordId, b))),
      ...files.filter((f) => !batchable(f)).map((f) => () => this.uploadFile(recordId, f)),
    ];
  }
}

/** Runs the tasks, at most `limit` at once; fails with the first failure once the running ones settled. */
async function inParallel(limit: number, tasks: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < tasks.length && !failure) {
      const task = tasks[next++]!;
      await task().catch((error: unknown) => void (failure ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure) throw failure.error;
}
