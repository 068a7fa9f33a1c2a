/**
 * The operator dashboard (docs/dashboard.md) against the real Worker in workerd and the test stack.
 * Its headers and assets are checked over plain HTTP; then real headless Chromium (Debian's
 * `chromium`, driven by playwright-core) signs in, reads the pool, its meetings, history and
 * recording pipeline, opens one server's page, cordons and re-enables a server, drains one, shows one
 * made suspect by a refused API call, and saves screenshots to `.local/dashboard*.png` (desktop, one
 * server, a phone). Without /usr/bin/chromium the browser part is skipped, saying so.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { claimRecording } from '../../../src/store/recording-index';
import { DEFAULT_TENANT } from '../../../src/tenancy/tenant';
import { startIngestWorker, type IngestWorker } from '../../support/recordings-ingest-worker';
import { db } from '../cli/pool-setup';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SCREENSHOT = path.resolve('.local', 'dashboard.png');
const SERVER_SCREENSHOT = path.resolve('.local', 'dashboard-server.png');
const PHONE_SCREENSHOT = path.resolve('.local', 'dashboard-phone.png');
const UNREADY_SCREENSHOT = path.resolve('.local', 'dashboard-unready.png');
const PG_DOWN_SCREENSHOT = path.resolve('.local', 'dashboard-postgres-down.png');
const PHONE = { width: 390, height: 844 };
const TOKEN = 'dashboard-test-admin-token-0123456789';
/** Untrusted text in a server URL: must show as text and never run. */
const HOSTILE_URL = 'http://127.0.0.1:9/<img src=x onerror="window.__xss=1">';
const TENANT = { name: 'campus', secret: 'campus-lms-secret' };
/** The LMS's end callback: unreachable, so it stays pending; its query carries a token never shown. */
const END_CALLBACK = 'https://lms.invalid/meeting_ended?token=lms-private-token';

if (!hasChromium) console.warn(`${CHROMIUM} is absent (apt-get install chromium): the dashboard's browser test is skipped`);

let worker: IngestWorker;

interface Server {
  id: string;
  url: string;
  state: string;
  tag: string | null;
  health: { online: boolean; meetings: number; users: number; videos: number; version: string; lastError: string };
}

async function api(method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${worker.base}/admin/v1${route}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

const servers = async (): Promise<Server[]> => (await api('GET', '/servers')).servers;

/** A BBB API call as the tenant's LMS makes it: on the tenant's host, signed with its secret. */
function bbbCall(call: string, params: Record<string, string>): Promise<string> {
  const query = new URLSearchParams(params).toString();
  const checksum = createHash('sha256').update(call + query + TENANT.secret).digest('hex');
  return new Promise((resolve, reject) => {
    const req = request(`${worker.base}/bigbluebutton/api/${call}?${query}&checksum=${checksum}`, { headers: { Host: `${TENANT.name}.lb.example` } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject).end();
  });
}

async function simulator(method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${inject('stack').simulator.controlUrl}${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  return res.json();
}

/**
 * 24 h of the history the poll keeps, as its samples would be: a day's curve of meetings on each
 * node, a poll that slowed down and failed for an hour, and a burst of failed joins.
 */
async function seedHistory(ids: string[]): Promise<void> {
  const sql = db();
  await sql.query('DELETE FROM server_samples');
  await sql.query('DELETE FROM pool_samples');
  await sql.query(
    `INSERT INTO pool_samples (sampled_at, poll_ms, servers, servers_failed, poll_failures_total, api_errors_total, join_failures_total, imports_total, import_delay_seconds_total)
     SELECT date_trunc('hour', now()) - i * interval '5 minutes', CASE WHEN i BETWEEN 40 AND 52 THEN 2400 ELSE 300 + (i % 7) * 20 END,
            4, CASE WHEN i BETWEEN 40 AND 52 THEN 1 ELSE 0 END,
            (288 - i) + CASE WHEN i < 40 THEN 13 ELSE 0 END, (288 - i) / 3, CASE WHEN i < 100 THEN 20 ELSE 0 END + CASE WHEN i < 90 THEN (100 - i) ELSE 0 END,
            (288 - i) / 12, (288 - i) / 12 * 240.0
       FROM generate_series(1, 287) i WHERE i NOT BETWEEN 150 AND 155`,
  );
  await sql.query(
    `INSERT INTO server_samples (sampled_at, server_id, answered, meetings, participants, video_streams, load, poll_failures)
     SELECT date_trunc('hour', now()) - i * interval '5 minutes', s.id, true,
            greatest(0, round(6 * sin(pi() * i / 144) * s.k))::int, greatest(0, round(90 * sin(pi() * i / 144) * s.k))::int,
            greatest(0, round(12 * sin(pi() * i / 144) * s.k))::int, greatest(0, 95 * sin(pi() * i / 144) * s.k), 0
       FROM generate_series(1, 287) i, unnest($1::text[]) WITH ORDINALITY AS s(id, k)
      WHERE i NOT BETWEEN 150 AND 155`,
    [ids],
  );
}

beforeAll(async () => {
  worker = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN, MULTITENANCY_ENABLED: 'true', CALLBACK_TIMEOUT: '1' });
  // The pool is exactly what this test registers.
  for (const s of await servers()) await api('DELETE', `/servers/${s.id}`);
}, 120_000);

afterAll(async () => {
  if (worker) for (const s of await servers()) await api('DELETE', `/servers/${s.id}`);
  await worker?.stop();
  await simulator('POST', '/reset');
}, 60_000);

describe('the dashboard over HTTP', () => {
  it('serves the page with a strict CSP, no inline script and no data', async () => {
    const res = await fetch(`${worker.base}/admin/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    // Every script is a file of our own; no event handler attributes.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/admin/dashboard/dashboard.js" defer>']);
    expect(html).toMatch(/<script[^>]*><\/script>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toContain('style=');
  });

  it('serves its script and styles, and answers unknown paths with a plain 404', async () => {
    const js = await fetch(`${worker.base}/admin/dashboard/dashboard.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const source = await js.text();
    expect(source).toContain('const API = "/admin/v1"');
    expect(source).not.toContain('innerHTML');
    const css = await fetch(`${worker.base}/admin/dashboard/dashboard.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const slash = await fetch(`${worker.base}/admin/dashboard/`);
    expect([slash.status, slash.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const missing = await fetch(`${worker.base}/admin/dashboard/nope.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('Not found');
  });
});

describe.skipIf(!hasChromium)('the dashboard in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const problems: string[] = [];
  let nodes: Server[];

  /** The tenant's meeting on the node tagged `blue`, with three attendees, and its end callback relayed and pending. */
  async function tenantMeeting(node: { id: string }): Promise<void> {
    const created = await bbbCall('create', { name: 'Dashboard room', meetingID: 'room-1', meta_endCallbackUrl: END_CALLBACK });
    expect(created).toContain('<returncode>SUCCESS</returncode>');
    const [meeting] = (await simulator('GET', `/nodes/${node.id}/meetings`)).meetings;
    for (const fullName of ['Ada', 'Grace', 'Edsger']) {
      await simulator('POST', `/nodes/${node.id}/meetings/${encodeURIComponent(meeting.meetingID)}/users`, { fullName, video: fullName === 'Ada' });
    }
    // As the node calls the end callback it was given (on the tenant's host, reached here directly).
    const relay = new URL(meeting.params.meta_endCallbackUrl);
    const res = await fetch(`${worker.base}${relay.pathname}?meetingID=${encodeURIComponent(meeting.meetingID)}&recordingmarks=false`);
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    const sim = inject('stack').simulator.nodes.slice(0, 3);
    for (const [i, n] of sim.entries()) {
      await api('POST', '/servers', { url: n.url, secret: n.secret, state: 'enabled', tag: i === 2 ? 'blue' : null });
    }
    await api('POST', '/servers', { url: HOSTILE_URL, secret: 'x', state: 'enabled', tag: '<b>tag</b>' });
    const settings = { limits: { meetings: 5, attendees: 50 }, serverTag: 'blue' };
    await api('POST', '/tenants', { name: TENANT.name, secrets: [TENANT.secret], settings });
    await api('POST', '/poll');
    await tenantMeeting(sim[2]!);
    await api('POST', '/poll');
    nodes = (await servers()).filter((s) => s.url !== HOSTILE_URL);
    await seedHistory(nodes.map((n) => n.id));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** The visible text of each body row of a table, cell by cell. */
  const tableText = (id: string) =>
    page.$$eval(`#${id} tbody tr`, (rows) => rows.map((r) => Array.from(r.querySelectorAll('th, td'), (c) => (c as HTMLElement).innerText.trim())));

  it('asks for the token, and refuses a wrong one', async () => {
    await page.goto(`${worker.base}/admin/dashboard`);
    await expect(page.getByLabel(/Admin token/).isVisible()).resolves.toBe(true);
    await page.getByLabel(/Admin token/).fill('wrong-token');
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await page.getByRole('alert').filter({ hasText: 'The token was refused' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('shows the pool, its meetings, the tenants and the errors once signed in, escaping every value', async () => {
    await page.getByLabel(/Admin token/).fill(TOKEN);
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await page.locator('#servers tbody tr[data-server-id]').nth(3).waitFor();

    const rows = await tableText('servers');
    const expected = nodes.map((s) => [s.url + (s.tag ?? ''), s.state, 'online', s.health.meetings, s.health.users, s.health.videos, 'unknown'].map(String));
    expect(expected.map((r) => r.slice(3, 6))).toContainEqual(['1', '3', '1']);
    expect(rows.map((r) => [r[0], ...r.slice(1, 3), ...r.slice(4, 8)]).filter((r) => r[0] !== HOSTILE_URL)).toEqual(
      expect.arrayContaining(expected),
    );
    const hostile = rows.find((r) => r[0]!.startsWith(HOSTILE_URL))!;
    expect(hostile[0]).toBe(`${HOSTILE_URL}<b>tag</b>`);
    expect(hostile[2]).toMatch(/^offline/);
    expect(hostile[9]).not.toBe('—');
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await page.locator('img, b').count()).toBe(0);
    await expect(page.locator('#pool-summary').innerText()).resolves.toBe(
      '4 servers, 3 online, 3 taking meetings; 1 meeting, 3 users. Headroom if the largest server is lost: ' +
        'users unknown (a server in service has no capacity set), meetings unknown (a server in service has no capacity set).',
    );

    // The readiness banner names what needs attention: here the unreachable server.
    const banner = await page.locator('#banner').innerText();
    expect(banner).toMatch(/^Needs attention/);
    expect(banner).toContain('1 server offline: 127.0.0.1:9');

    // One source: the meetings table, the servers' and the tenants' totals are the same poll's.
    const blue = nodes.find((n) => n.tag === 'blue')!;
    expect(await tableText('meetings')).toEqual([[TENANT.name, 'room-1\nDashboard room', new URL(blue.url).host, '3', '1', expect.stringMatching(/^\d+ min$/), 'no']]);
    await expect(page.locator('#meetings-count').innerText()).resolves.toMatch(/^1 meeting, as the poll at .+ saw them\.$/);
    await page.getByLabel('Search').fill('no-such-room');
    expect(await tableText('meetings')).toEqual([['No meeting matches.']]);
    await page.getByLabel('Search').fill('ROOM-1');
    expect(await tableText('meetings')).toHaveLength(1);
    await expect(page.locator('#updated').innerText()).resolves.toMatch(/^Read .+ · last poll .+ \(\d+ s before\)$/);

    const tenants = await tableText('tenants');
    expect(tenants).toEqual([
      ['default', 'yes', '0 / ∞', '0 / ∞', '—', 'global'],
      [TENANT.name, 'yes', '1 / 5', '3 / 50', 'blue', '1'],
    ]);
    const errors = await tableText('errors');
    expect(errors.map((r) => r.slice(0, 3))).toEqual([
      ['server', HOSTILE_URL, expect.any(String)],
      ['callback', 'meeting_ended', '1 pending delivery failed their last attempt'],
    ]);
    // The recording pipeline: nothing uploading or indexed here; the end callback waits.
    expect(await tableText('uploads')).toEqual([['No uploads pending.']]);
    expect(await tableText('recent')).toEqual([['No recordings indexed yet.']]);
    expect((await tableText('backlog')).map((r) => r.slice(0, 3))).toEqual([['meeting_ended', '1', '1']]);
    expect(await page.locator('body').innerText()).not.toContain('lms-private-token');

    // History: 8 charts of the last 24 h, each an SVG with a line and an accessible summary.
    const charts = await page.$$eval('#charts figure', (figs) => figs.map((f) => [f.querySelector('figcaption span')!.textContent, f.querySelector('svg')!.getAttribute('aria-label'), f.querySelectorAll('polyline').length]));
    expect(charts.map((c) => c[0])).toEqual(['Meetings', 'Participants', 'Highest server load', 'Poll duration', 'Failed server polls', 'API errors', 'Join failures', 'Import delay']);
    // The 30 minutes without samples break the lines of every sample in two; counters draw a line where they moved.
    for (const c of charts.slice(0, 7)) expect(c[2], String(c[0])).toBe(2);
    expect(charts[3]![1]).toMatch(/^Poll duration: latest \d+ ms, highest 2400 ms/);
    expect(charts[7]![1]).toMatch(/^Import delay: latest 240 s/);

    // The token never leaves in a URL: only the page, its two files and the admin API were asked for.
    expect(requested.some((u) => u.includes(TOKEN))).toBe(false);
    expect(new Set(requested.map((u) => new URL(u).pathname.split('/').slice(0, 3).join('/')))).toEqual(
      new Set(['/admin/dashboard', '/admin/v1']),
    );
    expect(page.url()).toBe(`${worker.base}/admin/dashboard`);
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  });

  it("opens a server's page: its facts, meetings, recent errors and history", async () => {
    const blue = nodes.find((n) => n.tag === 'blue')!;
    await page.locator(`#servers a[href="#server/${blue.id}"]`).click();
    await page.locator('#server-charts figure').nth(4).waitFor();
    await expect(page.locator('#server-title').innerText()).resolves.toBe(blue.url);
    const facts = await page.locator('#server-facts').innerText();
    expect(facts).toMatch(/Online\s+online/);
    expect(facts).toMatch(/Users\s+3 \(capacity unknown\)/);
    expect(facts).toMatch(/Auto-panicked\s+no/);
    expect(await tableText('server-meetings')).toEqual([[TENANT.name, 'room-1\nDashboard room', '3', '1', expect.stringMatching(/min$/), 'no']]);
    expect(await tableText('server-errors')).toEqual([['No failed polls in the last 24 hours.']]);
    expect(await page.$$eval('#server-charts figcaption span:first-child', (s) => s.map((x) => x.textContent))).toEqual([
      'Meetings', 'Participants', 'Load', 'Video streams', 'Failed polls in a row',
    ]);
    await page.screenshot({ path: SERVER_SCREENSHOT, fullPage: true });

    const hostile = (await servers()).find((s) => s.url === HOSTILE_URL)!;
    await page.goto(`${worker.base}/admin/dashboard#server/${hostile.id}`);
    await page.locator('#server-errors tbody tr td.error-text').first().waitFor();
    expect(await page.locator('#server-facts').innerText()).toMatch(/Online\s+offline/);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();

    await page.getByRole('link', { name: '← All servers' }).click();
    await page.locator('#board').waitFor();
    expect(await page.locator('#server-page').isHidden()).toBe(true);
  });

  it('cordons a server after confirmation, then enables it again', async () => {
    const target = nodes[0]!;
    const row = page.locator(`#servers tr[data-server-id="${target.id}"]`);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });

    await page.getByRole('button', { name: `Cordon ${target.url}` }).click();
    await page.locator(`#servers tr[data-server-id="${target.id}"][data-state="cordoned"]`).waitFor();
    expect(dialogs[0]).toContain(`Cordon ${target.url}?`);
    await expect(row.locator('.state').innerText()).resolves.toBe('cordoned');
    expect((await api('GET', `/servers/${target.id}`)).state).toBe('cordoned');
    await expect(page.locator('#pool-summary').innerText()).resolves.toMatch(/3 online, 2 taking meetings/);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole('button', { name: `Enable ${target.url}` }).click();
    await page.locator(`#servers tr[data-server-id="${target.id}"][data-state="enabled"]`).waitFor();
    expect((await api('GET', `/servers/${target.id}`)).state).toBe('enabled');
  });

  it('drains a server after confirmation, showing its progress; a pending upload keeps it from done', async () => {
    const target = nodes[0]!;
    const row = page.locator(`#servers tr[data-server-id="${target.id}"]`);
    const sql = db();
    const recordId = `dashboard-drain-${Date.now()}`;
    expect(await claimRecording(sql, { tenant: DEFAULT_TENANT, recordId, serverId: target.id })).toMatchObject({ kind: 'owned' });
    try {
      await page.getByRole('button', { name: `Drain ${target.url}` }).click();
      await page.locator(`#servers tr[data-server-id="${target.id}"][data-state="cordoned"]`).waitFor();
      await expect(row.locator('.drain-progress').innerText()).resolves.toBe('draining: 0 meetings, 0 processing, 1 pending upload');
      // The poll finds it empty and disables it; the upload still keeps the drain from done.
      await api('POST', '/poll');
      await page.locator(`#servers tr[data-server-id="${target.id}"][data-state="disabled"]`).waitFor();
      await expect(row.locator('.drain-progress').innerText()).resolves.toBe('draining: 0 meetings, 0 processing, 1 pending upload');
    } finally {
      await sql.query('DELETE FROM recording_uploads WHERE record_id = $1', [recordId]);
    }
    await page.locator('#status', { hasText: `${target.url} is drained` }).waitFor();
    await expect(row.locator('.drain-progress').innerText()).resolves.toBe('drained: 0 meetings, 0 processing, 0 pending upload');

    await page.getByRole('button', { name: `Enable ${target.url}` }).click();
    await page.locator(`#servers tr[data-server-id="${target.id}"][data-state="enabled"]`).waitFor();
    await api('POST', '/poll');
  }, 30_000);

  it('on a phone (390×844): no column cut off, every action button within reach', async () => {
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    await phone.goto(`${worker.base}/admin/dashboard`);
    await phone.getByLabel(/Admin token/).fill(TOKEN);
    await phone.getByRole('button', { name: 'Open dashboard' }).click();
    await phone.locator('#servers tbody tr[data-server-id]').nth(3).waitFor();
    await phone.locator('#charts figure').nth(7).waitFor();
    // Nothing wider than the screen: the page never scrolls sideways, so no cell is hidden past its edge.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const cut = await phone.$$eval('main tbody td, main tbody th', (cells) =>
      cells.filter((c) => (c as HTMLElement).offsetParent !== null && c.getBoundingClientRect().right > window.innerWidth + 0.5).map((c) => c.closest('table')!.id + ': ' + c.textContent),
    );
    expect(cut).toEqual([]);
    // Each row is a card whose cells say their column.
    expect(await phone.locator('#servers tbody tr').first().locator('td').nth(1).getAttribute('data-label')).toBe('State');
    // Cordon or Enable, and Drain, on each of the 4 servers.
    const buttons = phone.locator('#servers button.action');
    expect(await buttons.count()).toBe(8);
    for (let i = 0; i < 8; i++) {
      await buttons.nth(i).scrollIntoViewIfNeeded();
      const box = (await buttons.nth(i).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      expect(box.height).toBeGreaterThanOrEqual(32);
    }
    await phone.screenshot({ path: PHONE_SCREENSHOT, fullPage: true });
    await phone.close();
  });

  it('says in its banner when polling is stale, and shows what it read last', async () => {
    // The same stack seen by a Worker that calls a poll older than a second stale.
    const strict = await startIngestWorker(inject('stack').endpoints, { ADMIN_TOKEN: TOKEN, MULTITENANCY_ENABLED: 'true', POLL_STALE_SECONDS: '1' });
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await tab.goto(`${strict.base}/admin/dashboard`);
      await tab.getByLabel(/Admin token/).fill(TOKEN);
      await tab.getByRole('button', { name: 'Open dashboard' }).click();
      await tab.locator('#banner.bad').waitFor();
      const banner = await tab.locator('#banner').innerText();
      expect(banner).toMatch(/Polling: polling is stale \(last poll \d+ s ago\)/);
      expect(banner).toContain('1 server offline');
      await tab.screenshot({ path: UNREADY_SCREENSHOT });
    } finally {
      await tab.close();
      await strict.stop();
    }
  });

  it('with Postgres out of reach still shows the pool from Redis, and says what it could not read', async () => {
    const down = await startIngestWorker(inject('stack').endpoints, {
      ADMIN_TOKEN: TOKEN,
      MULTITENANCY_ENABLED: 'true',
      DATABASE_URL: 'postgres://nobody:nothing@127.0.0.1:5432/no_such_database',
    });
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await tab.goto(`${down.base}/admin/dashboard`);
      await tab.getByLabel(/Admin token/).fill(TOKEN);
      await tab.getByRole('button', { name: 'Open dashboard' }).click();
      await tab.locator('#servers tbody tr[data-server-id]').nth(3).waitFor();
      const banner = await tab.locator('#banner').innerText();
      expect(banner).toContain('postgres: postgres unreachable');
      expect(banner).toContain('Not read (storage out of reach), shown empty: history, pending uploads, recordings and callbacks');
      expect(await tab.$$eval('#meetings tbody tr', (rows) => rows.length)).toBe(1);
      await expect(tab.locator('#tenants tbody').innerText()).resolves.toBe('The tenants could not be read.');
      await tab.screenshot({ path: PG_DOWN_SCREENSHOT });
    } finally {
      await tab.close();
      await down.stop();
    }
  }, 60_000);

  it('keeps screenshots of the pool, a server, the phone and an unready pool', () => {
    for (const [file, width] of [[SERVER_SCREENSHOT, 1400], [PHONE_SCREENSHOT, PHONE.width], [UNREADY_SCREENSHOT, 1400], [PG_DOWN_SCREENSHOT, 1400]] as const) {
      expect(readFileSync(file).readUInt32BE(16), file).toBe(width);
    }
    const png = readFileSync(SCREENSHOT);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // Width and height from the IHDR chunk: the full page at the viewport's width.
    expect(png.readUInt32BE(16)).toBe(1400);
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(900);
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
    expect(statSync(SCREENSHOT).size).toBeLessThan(5_000_000);
  });

  it('refreshes with two admin API calls whatever the number of tenants, and no call to any BBB node', async () => {
    const nodeCalls = async () => {
      const logs = await Promise.all(inject('stack').simulator.nodes.map((n) => simulator('GET', `/nodes/${n.id}/calls`)));
      return logs.reduce((n, log: { total: number }) => n + log.total, 0);
    };
    const before = await nodeCalls();
    requested.length = 0;
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.getElementById('status')!.textContent === '');
    const calls = requested.filter((u) => new URL(u).pathname.startsWith('/admin/v1/'));
    expect(calls.map((u) => new URL(u).pathname).sort()).toEqual(['/admin/v1/overview', '/admin/v1/tenants']);
    expect(await nodeCalls()).toBe(before);
  });

  it('marks a server found down by an API call suspect (since, cause on hover) and names it in the banner', async () => {
    const blue = nodes.find((n) => n.tag === 'blue')!;
    const node = inject('stack').simulator.nodes[2]!;
    await simulator('POST', `/nodes/${node.id}/fault`, { type: 'refuse' });
    try {
      // The tenant's LMS asks about its room before any poll: the refused call makes the server suspect.
      await bbbCall('isMeetingRunning', { meetingID: 'room-1' });
      await page.getByRole('button', { name: 'Refresh' }).click();
      const badge = page.locator(`#servers tr[data-server-id="${blue.id}"] .badge`);
      await badge.waitFor();
      await expect(badge.innerText()).resolves.toBe('suspect');
      await expect(badge.getAttribute('title')).resolves.toMatch(/^Suspect since .+: network; takes no new meeting until a poll clears it$/);
      await expect(page.locator('#banner').innerText()).resolves.toContain(`Suspect: ${new URL(blue.url).host}`);
    } finally {
      await simulator('POST', `/nodes/${node.id}/fault`, { type: 'none' });
      // The poll that hears the node again clears the mark.
      await api('POST', '/poll');
    }
  });

  it('forgets the token on sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel(/Admin token/).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await expect(page.locator('#board').isHidden()).resolves.toBe(true);
  });
});
