/**
 * The dashboard at scale, measured in headless Chromium against the real Worker in workerd and a
 * private stack: a pool of `--servers` registered servers (never polled, so offline) and
 * `--tenants` tenants. Prints the page's weight, the admin API calls and storage round trips of
 * one refresh, and the time from Refresh to a filled board (median of `--runs`).
 *
 *   npm run bench:dashboard [-- --servers 500 --tenants 50 --runs 5]
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startPrivateStack } from '../../../scripts/stack/stack.js';
import { startIngestWorker } from '../../support/recordings-ingest-worker.js';

const { values } = parseArgs({ options: { servers: { type: 'string', default: '500' }, tenants: { type: 'string', default: '50' }, runs: { type: 'string', default: '5' } } });
const SERVERS = Number(values.servers);
const TENANTS = Number(values.tenants);
const RUNS = Number(values.runs);
const TOKEN = 'dashboard-bench-admin-token-0123456789';
const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve('.local', `bench-dashboard-${process.pid}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is absent: apt-get install -y --no-install-recommends chromium`);
  mkdirSync(root, { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  try {
    console.log(`bench:dashboard: ${SERVERS} servers, ${TENANTS} tenants; starting the stack and the Worker…`);
    const stack = await startPrivateStack(path.join(root, 'stack'));
    stops.push(() => stack.stop());
    const worker = await startIngestWorker(stack.endpoints, { ADMIN_TOKEN: TOKEN, MULTITENANCY_ENABLED: 'true' });
    stops.push(() => worker.stop());
    const api = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${worker.base}/admin/v1${route}`, {
        method,
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    for (let i = 0; i < SERVERS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, SERVERS - i) }, (_, j) =>
          api('POST', '/servers', { url: `https://bbb-${i + j}.bench.invalid/bigbluebutton/api`, secret: `s${i + j}`, state: 'cordoned' }),
        ),
      );
    }
    for (let i = 1; i < TENANTS; i++) {
      await api('POST', '/tenants', { name: `tenant-${i}`, secrets: [`secret-${i}`], settings: { limits: { meetings: 10, attendees: 100 } } });
    }

    const weight = Object.fromEntries(
      await Promise.all(
        ['', '/dashboard.js', '/dashboard.css'].map(async (file) => {
          const body = Buffer.from(await (await fetch(`${worker.base}/admin/dashboard${file}`)).arrayBuffer());
          return [file || '/', { bytes: body.length, gzip: gzipSync(body).length }];
        }),
      ),
    );

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    stops.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let apiCalls = 0;
    page.on('request', (r) => new URL(r.url()).pathname.startsWith('/admin/v1/') && apiCalls++);
    await page.goto(`${worker.base}/admin/dashboard`);
    await page.getByLabel(/Admin token/).fill(TOKEN);
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await page.locator('#servers tbody tr[data-server-id]').nth(SERVERS - 1).waitFor({ timeout: 120_000 });

    const refreshMs: number[] = [];
    const trips = { redis: 0, postgres: 0 };
    for (let run = 0; run < RUNS; run++) {
      await Promise.all(Object.values(stack.counters).map((base) => fetch(`${base}/__counters`, { method: 'DELETE' })));
      apiCalls = 0;
      // Timed inside the page: from the click until the status line is cleared after loading.
      refreshMs.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const status = document.getElementById('status')!;
              const started = performance.now();
              new MutationObserver((_, observer) => {
                if (status.textContent === '') {
                  observer.disconnect();
                  resolve(performance.now() - started);
                }
              }).observe(status, { childList: true, characterData: true, subtree: true });
              document.getElementById('refresh')!.click();
            }),
        ),
      );
      const read = async (base: string) => (await (await fetch(`${base}/__counters`)).json()) as { requests: number; queries?: number };
      const [upstash, neonHttp, neonWs] = await Promise.all([read(stack.counters.upstash), read(stack.counters.neonHttp), read(stack.counters.neonWs)]);
      Object.assign(trips, { redis: upstash.requests, postgres: neonHttp.requests + (neonWs.queries ?? 0) });
    }
    const result = { servers: SERVERS, tenants: TENANTS, weight, refresh: { apiCalls, ...trips, medianMs: Math.round(median(refreshMs)), runsMs: refreshMs.map(Math.round) } };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
