/**
 * A V8 CPU profile of the Worker while one call is under load (`npm run bench -- --profile join`),
 * taken over workerd's own inspector socket with the DevTools protocol, and a summary of where
 * the Worker's thread spends its time: by function (self and total) and by source module (from the
 * bundle's source map, or the `// path` comments esbuild leaves in an unminified bundle). Sampling
 * costs some throughput, so a profiled run gives proportions, not figures for the table.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { sourceLocator } from './source-map';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The DevTools endpoint of one worker on workerd's inspector (`/json/list`). */
export async function inspectorTarget(port: number, workerName: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/json/list`);
  const targets = (await res.json()) as { id?: string; title?: string; webSocketDebuggerUrl?: string }[];
  const target = targets.find((t) => t.id?.endsWith(workerName) || t.title?.includes(workerName)) ?? targets[0];
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${port}: ${JSON.stringify(targets)}`);
  return target.webSocketDebuggerUrl.replace('localhost', '127.0.0.1');
}

export class Profiler {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) p?.reject(new Error(message.error.message));
      else p?.resolve(message.result);
    });
  }

  static async connect(url: string): Promise<Profiler> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Profiler(ws);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(intervalUs: number): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.send('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
    await this.send('Profiler.disable');
    return profile;
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Maps a 0-based bundle position to the source module it came from: by the source map when the
 * bundle has one (minified), else by the `// path` comments esbuild leaves in an unminified one.
 */
function moduleIndex(bundleFile: string): (line: number, column: number) => string {
  const locate = sourceLocator(bundleFile);
  if (locate) return (line, column) => locate(line, column) ?? '(bundle prelude)';
  const starts: { line: number; module: string }[] = [];
  readFileSync(bundleFile, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const m = /^\/\/ ((?:src[-a-z0-9]*|scheduled|test|node_modules)\/\S+)$/.exec(text);
      if (m) starts.push({ line, module: m[1]! });
    });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

function shortModule(module: string): string {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
  return m ? m[1]! : module;
}

/** Self and total time by function and self time by module, as text tables. */
export function summarizeProfile(profile: CpuProfile, bundleFile: string, requests: number): string {
  const moduleOf = moduleIndex(bundleFile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = profile.endTime - profile.startTime;

  const where = (f: CallFrame) => {
    if (!f.url) return '(native)';
    if (!f.url.endsWith('worker.js')) return f.url.replace(/^.*\//, '');
    return shortModule(moduleOf(f.lineNumber, f.columnNumber));
  };
  const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} [${where(f)}${f.url ? `:${f.lineNumber + 1}` : ''}]`;

  const selfByFn = new Map<string, number>();
  const totalByFn = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const f = node.callFrame;
    selfByFn.set(label(f), (selfByFn.get(label(f)) ?? 0) + us);
    const mod = ['(idle)', '(program)', '(garbage collector)', '(root)'].includes(f.functionName) ? f.functionName : where(f);
    selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + us);
    // Total: every distinct function on the stack of this sample gets the time once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!.callFrame);
      if (seen.has(l)) continue;
      seen.add(l);
      totalByFn.set(l, (totalByFn.get(l) ?? 0) + us);
    }
  }
  const idle = selfByModule.get('(idle)') ?? 0;
  const busy = totalUs - idle;
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / requests).toFixed(1).padStart(6)} µs/call  ${k}`);
  return [
    `Profile: ${(totalUs / 1e6).toFixed(1)} s, ${profile.samples.length} samples, thread busy ${((100 * busy) / totalUs).toFixed(1)}% ` +
      `(${(busy / requests).toFixed(1)} µs per call over ${requests} calls); percentages are of busy time.`,
    '',
    'Self time by source module:',
    ...rows(new Map([...selfByModule].filter(([k]) => k !== '(idle)')), 25),
    '',
    'Self time by function:',
    ...rows(new Map([...selfByFn].filter(([k]) => !k.startsWith('(idle)'))), 30),
    '',
    'Total time (self + callees) by function:',
    ...rows(new Map([...totalByFn].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(root)'))), 40),
  ].join('\n');
}
