import type { DrainProgress, Server } from './api-types.js';
import type { AdminClient } from './client.js';
import { positive, type Command } from './command.js';
import { CliError, usageError } from './errors.js';
import { print } from './output.js';
import { apiPath, findServer } from './resolve.js';
import { removeServer } from './server-removal.js';

/**
 * `scaleflare servers drain`: cordon a server, then (with --wait) follow it until the poll has
 * found it empty and disabled it and nothing from it is pending upload (docs/node-lifecycle.md).
 */

export interface DrainOptions {
  /** Give up after this many seconds; undefined waits as long as it takes. */
  timeoutSeconds?: number;
  intervalSeconds: number;
  /** Each progress that differs from the one before. */
  onProgress(p: DrainProgress): void;
}

const recordings = (count: number, ids: string[], what: string) =>
  count > 0 ? `${count} recording(s) ${what} (${ids.join(', ')}${count > ids.length ? ', …' : ''})` : '';

/** What keeps a drain from being done, in words. */
export function whatIsLeft(p: DrainProgress): string {
  const left = [
    p.meetings > 0 ? `${p.meetings} meeting(s) (last poll)` : '',
    recordings(p.processing, p.processingRecordIds, 'processing'),
    recordings(p.pendingUpload, p.pendingRecordIds, 'pending upload'),
    // The poll disables a cordoned server once it answered with no meeting left.
    p.state === 'cordoned' && p.meetings === 0 ? 'no poll has found it empty yet' : '',
    p.state === 'enabled' ? 'it was enabled again' : '',
  ].filter(Boolean);
  return left.join(', ');
}

export const progressText = (p: DrainProgress) =>
  `${new Date().toISOString()}  ${p.state}  meetings ${p.meetings}  processing ${p.processing}  pending upload ${p.pendingUpload}${p.done ? '  done' : ''}\n`;

/** Cordons the server; answers its progress. */
export const startDrain = (client: AdminClient, s: Server) => client.call<DrainProgress>('POST', apiPath('servers', s.id, 'drain'));

/** Follows a drain until done; a timeout is an error naming what is left. */
export async function waitDrained(client: AdminClient, s: Server, first: DrainProgress, o: DrainOptions): Promise<DrainProgress> {
  const deadline = o.timeoutSeconds === undefined ? Infinity : Date.now() + o.timeoutSeconds * 1000;
  let p = first;
  let shown = '';
  for (;;) {
    const seen = JSON.stringify(p);
    if (seen !== shown) o.onProgress(p);
    shown = seen;
    if (p.done) return p;
    if (Date.now() >= deadline) throw new CliError(`Server ${s.url} not drained after ${o.timeoutSeconds} s: ${whatIsLeft(p)}`);
    await new Promise((r) => setTimeout(r, Math.min(o.intervalSeconds * 1000, Math.max(0, deadline - Date.now()))));
    p = await client.call<DrainProgress>('GET', apiPath('servers', s.id, 'drain'));
  }
}

export const drainCommand: Command = {
  words: ['servers', 'drain'],
  usage: '<id|url|host> [--wait [--timeout <seconds>] [--interval <seconds>] [--remove]]',
  summary:
    'Cordon a server and show its progress (meetings left, recordings processing, pending upload); --wait follows it until the poll disabled it empty and its recordings are uploaded, --remove then removes it',
  options: { wait: { type: 'boolean' }, timeout: { type: 'string' }, interval: { type: 'string' }, remove: { type: 'boolean' } },
  args: [1, 1],
  run: async (inv) => {
    const timeoutSeconds = positive(inv.values, 'timeout');
    const intervalSeconds = positive(inv.values, 'interval');
    const wait = inv.values.wait === true;
    const remove = inv.values.remove === true;
    if (!wait && (timeoutSeconds !== undefined || intervalSeconds !== undefined || remove)) throw usageError('--timeout, --interval and --remove go with --wait');
    const s = await findServer(inv.client, inv.args[0]!);
    let p = await startDrain(inv.client, s);
    if (wait) {
      const onProgress = (q: DrainProgress) => {
        if (!inv.out.json) inv.out.write(progressText(q));
      };
      p = await waitDrained(inv.client, s, p, { timeoutSeconds, intervalSeconds: intervalSeconds ?? 5, onProgress });
      if (remove) await removeServer(inv.client, await findServer(inv.client, s.id), false);
    }
    print(inv.out, p, () =>
      p.done ? `Drained ${s.url}${remove ? `; removed it (${s.id})` : `: it is ${p.state}`}\n` : `Draining ${s.url}: ${progressText(p).trimEnd()}; left: ${whatIsLeft(p)}\n`,
    );
  },
};
