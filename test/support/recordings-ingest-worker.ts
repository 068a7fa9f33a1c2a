/**
 * The real Worker listening on a local port, for what must reach it over HTTP: the node-side
 * bash uploader's test and the ingest benchmark. Same bundle and workerd setup as `npm run bench`
 * (test/bench), against a given stack; R2 is Miniflare's, reachable here through `bucket()`.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Miniflare } from 'miniflare';
import path from 'node:path';
import { bundle, readWranglerToml } from '../bench/bundle';
import { ROOT } from '../bench/paths';
import { Shutdown } from '../bench/shutdown';
import { startWorker } from '../bench/workerd';
import { workerBindings, type StackEndpoints } from '../../scripts/stack/stack';

export const LB_SECRET = 'ingest-test-secret';

export interface IngestWorker {
  base: string;
  bucket(): ReturnType<Miniflare['getR2Bucket']>;
  /** Signs a Scalelite admin API call (SHA-256 checksum over action and query). */
  admin(action: string, body: unknown): Promise<any>;
  stop(): Promise<void>;
}

const hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, '0')).join('');

export async function startIngestWorker(endpoints: StackEndpoints, vars: Record<string, string> = {}): Promise<IngestWorker> {
  // Inside the repository: workerd resolves the bundle's modules below its working directory.
  mkdirSync(path.join(ROOT, '.local'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, '.local', 'ingest-worker-'));
  const shutdown = new Shutdown(3600);
  shutdown.defer(async () => rmSync(dir, { recursive: true, force: true }));
  try {
    const script = await bundle(dir, path.join(dir, 'bundle.log'));
    const toml = readWranglerToml(path.join(ROOT, 'wrangler.toml'));
    const worker = await startWorker(
      { script, toml, bindings: { ...workerBindings(endpoints), LOADBALANCER_SECRET: LB_SECRET, ...vars }, logFile: path.join(dir, 'worker.log') },
      shutdown,
    );
    return {
      base: worker.base,
      bucket: () => worker.mf.getR2Bucket('RECORDINGS'),
      admin: async (action, body) => {
        const res = await fetch(`${worker.base}/scalelite/api/${action}?checksum=${await hex(action + LB_SECRET)}`, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' },
        });
        return res.json();
      },
      stop: () => shutdown.close(),
    };
  } catch (e) {
    await shutdown.close();
    throw e;
  }
}
