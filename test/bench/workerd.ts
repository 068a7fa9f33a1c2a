/**
 * The Worker in workerd: Miniflare's API, inspector off, no request logging, and the load sent to
 * the Worker's own socket (unsafeDirectSockets), not through Miniflare's entry worker.
 */
import { createWriteStream } from 'node:fs';
import { Log, LogLevel, Miniflare } from 'miniflare';
import type { WranglerToml } from './bundle';
import type { Shutdown } from './shutdown';

export const WORKER_NAME = 'scaleflare-bench';

export interface RunningWorker {
  mf: Miniflare;
  name: string;
  /** The Worker's direct socket, without a trailing slash. */
  base: string;
  output: WorkerOutput;
  /** Stops it before the shutdown does (once, whoever asks first). */
  dispose(): Promise<void>;
}

/** Worker stdout/stderr: kept in a file; the first `echo` lines are echoed, the rest only counted. */
export class WorkerOutput {
  lines = 0;
  private echoed = 0;
  constructor(
    private readonly file: ReturnType<typeof createWriteStream>,
    private readonly echo = 20,
  ) {}
  handle = (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
    for (const stream of [stdout, stderr]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) this.line(line);
      });
    }
  };
  private line(line: string) {
    if (!line.trim()) return;
    this.lines++;
    this.file.write(`${line}\n`);
    if (this.echoed < this.echo) {
      this.echoed++;
      console.log(`  [worker] ${line}`);
    } else if (this.echoed === this.echo && this.echo > 0) {
      this.echoed++;
      console.log('  [worker] (more output is only counted; see the run directory with --keep)');
    }
  }
}

/** Starts the bundle with wrangler.toml's settings and these bindings; stopped by the shutdown. */
export async function startWorker(
  worker: {
    script: string;
    toml: WranglerToml;
    bindings: Record<string, string>;
    logFile: string;
    inspectorPort?: number;
    /** Another name, to run several configurations side by side. */
    name?: string;
    /** Keep R2 objects in this directory, so they outlive the Worker (the recovery drill). */
    r2Persist?: string;
    /** How many lines of the Worker's output to echo (default 20). */
    echo?: number;
  },
  shutdown: Shutdown,
): Promise<RunningWorker> {
  const { script, toml, inspectorPort } = worker;
  const name = worker.name ?? WORKER_NAME;
  const output = new WorkerOutput(createWriteStream(worker.logFile), worker.echo);
  const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const mf = new Miniflare({
    ...(inspectorPort ? { inspectorPort } : {}),
    host: '127.0.0.1',
    port: 0,
    cf: false,
    logRequests: false,
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio: output.handle,
    ...(worker.r2Persist ? { r2Persist: worker.r2Persist } : {}),
    workers: [
      {
        name,
        modules: [{ type: 'ESModule', path: script }],
        compatibilityDate: toml.compatibilityDate,
        compatibilityFlags: toml.compatibilityFlags,
        bindings: { ...toml.vars, ...worker.bindings },
        r2Buckets: ['RECORDINGS'],
        // As wrangler.toml: the poll fans out to this Worker's own PollShard entrypoint.
        serviceBindings: { POLL_SHARD: { name, entrypoint: 'PollShard' } },
        unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
        // Outbound fetches go straight to the network, not through Miniflare's header-stripping worker.
        stripCfConnectingIp: false,
      },
    ],
  });
  let disposed: Promise<void> | undefined;
  const dispose = () => (disposed ??= mf.dispose());
  shutdown.defer(dispose);
  // Miniflare's exit hook calls process.exit() on SIGINT/SIGTERM, which would cut our cleanup
  // short and leave Redis and Postgres running; our own handler disposes of it in order instead.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!signalListeners[signal].includes(listener)) process.off(signal, listener);
    }
  }
  await mf.ready;
  const base = (await mf.unsafeGetDirectURL(name)).toString().replace(/\/$/, '');
  return { mf, name, base, output, dispose };
}
