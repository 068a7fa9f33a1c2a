/**
 * The body of `POST files/<recordID>` (docs/recordings-ingest.md): a list of the files it holds in
 * manifest form (`<sha256> <size> <format>/<path>` lines) ended by an empty line, then each listed
 * file's bytes in list order, back to back. Read as it arrives: the list, then exactly each
 * file's size, so a batch is never held in memory whole.
 */
import { ingestErrors } from './errors.js';

/** At most this many files in one batch: each is one R2 put, within a request's subrequest limit. */
export const MAX_BATCH_FILES = 500;
/** Larger files go alone (a file PUT or parts): a batch holds each file in memory while it is stored. */
export const MAX_BATCH_FILE_BYTES = 4 * 1024 * 1024;
/** The list section's largest size (500 lines of at most ~1.1 KiB). */
export const MAX_BATCH_LIST_BYTES = 640 * 1024;

const NL = 0x0a;

/** Index just past the first empty line (`\n\n`, or a `\n` that starts the body) at or after `from`, or -1. */
function endOfList(buf: Uint8Array, from: number): number {
  if (from === 0 && buf[0] === NL) return 1;
  for (let i = Math.max(1, from); i < buf.length; i++) if (buf[i] === NL && buf[i - 1] === NL) return i + 1;
  return -1;
}

export class BatchReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private buf: Uint8Array = new Uint8Array(0);

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** Reads the next chunk into the buffer; false at the end of the body (or when the sender went away). */
  private async more(): Promise<boolean> {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await this.reader.read();
    } catch {
      return false;
    }
    if (chunk.done) return false;
    if (this.buf.length === 0) {
      this.buf = chunk.value;
    } else {
      const joined = new Uint8Array(this.buf.length + chunk.value.length);
      joined.set(this.buf);
      joined.set(chunk.value, this.buf.length);
      this.buf = joined;
    }
    return true;
  }

  /** The list section, its ending empty line included: the bytes the signed digest covers. */
  async list(): Promise<Uint8Array<ArrayBuffer>> {
    let from = 0;
    for (;;) {
      const end = endOfList(this.buf, from);
      if (end > 0) {
        const list = this.buf.slice(0, end);
        this.buf = this.buf.subarray(end);
        return list;
      }
      if (this.buf.length > MAX_BATCH_LIST_BYTES) throw ingestErrors.tooLarge(`A batch's list is at most ${MAX_BATCH_LIST_BYTES} bytes.`);
      from = Math.max(0, this.buf.length - 1);
      if (!(await this.more())) throw ingestErrors.sizeMismatch('The batch ended before the empty line that ends its list.');
    }
  }

  /** The next file's bytes, exactly `size` of them. */
  async take(size: number, name: string): Promise<Uint8Array<ArrayBuffer>> {
    const out = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      if (this.buf.length === 0 && !(await this.more())) throw ingestErrors.sizeMismatch(`The batch ended inside ${name}.`);
      const n = Math.min(size - filled, this.buf.length);
      out.set(this.buf.subarray(0, n), filled);
      filled += n;
      this.buf = this.buf.subarray(n);
    }
    return out;
  }
}
