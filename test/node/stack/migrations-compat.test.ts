/**
 * The rule every migration follows (docs/upgrades.md): expand, then contract one release later, so
 * the previous Worker version keeps working against the new schema and `wrangler rollback` is
 * always safe. Checked for real: the previous release's src/ and scheduled/, bundled by wrangler
 * as it deployed them and run under workerd, against the test stack's database migrated by
 * today's migrations/, answers the smoke calls an LMS and an operator make. Beside it, what the
 * smoke calls cannot see: no released migration edited, and no new one contracting without saying so.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundle, readWranglerToml } from '../../bench/bundle';
import { ROOT } from '../../bench/paths';
import { Shutdown } from '../../bench/shutdown';
import { startWorker } from '../../bench/workerd';
import { workerBindings } from '../../../scripts/stack/stack';
import { adminApi, db, indexPublished, removeAllServers } from '../cli/pool-setup';

/**
 * The last released version. Bump it at each release to the commit that was released, so the next
 * release's migrations are checked against the code they must keep working.
 */
const PREVIOUS_RELEASE = 'e8da176';

const SECRET = 'compat-test-secret';
const TOKEN = 'compat-test-admin-token-0123456789';
const { endpoints, simulator } = inject('stack');
const node = simulator.nodes[0]!;

const shutdown = new Shutdown(3600);
let base = '';
const api = adminApi(() => base, TOKEN);

const bbb = async (call: string, params: Record<string, string>, init: RequestInit = {}) => {
  const query = new URLSearchParams(params).toString();
  const checksum = createHash('sha256').update(call + query + SECRET).digest('hex');
  return fetch(`${base}/bigbluebutton/api/${call}?${query}&checksum=${checksum}`, init);
};
const returncode = async (res: Response) => /<returncode>(\w+)<\/returncode>/.exec(await res.text())?.[1];

beforeAll(async () => {
  // Under the repository, so the old tree resolves today's node_modules (package.json is unchanged
  // since the baseline; when it is not, this test says so by failing to bundle).
  mkdirSync(path.join(ROOT, '.local'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, '.local', 'compat-'));
  shutdown.defer(async () => rmSync(dir, { recursive: true, force: true }));
  const release = path.join(dir, 'release');
  mkdirSync(release);
  const tar = execFileSync('git', ['archive', PREVIOUS_RELEASE, 'src', 'scheduled', 'wrangler.toml', 'tsconfig.json', 'package.json'], { cwd: ROOT, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', release], { input: tar });
  const script = await bundle(path.join(dir, 'out'), path.join(dir, 'bundle.log'), { root: release, entry: 'src/index.ts' });
  const worker = await startWorker(
    {
      script,
      toml: readWranglerToml(path.join(release, 'wrangler.toml')),
      bindings: { ...workerBindings(endpoints), LOADBALANCER_SECRET: SECRET, ADMIN_TOKEN: TOKEN, CHECKSUM_FAILURE_LIMIT: '0' },
      logFile: path.join(dir, 'worker.log'),
      name: 'previous-release',
    },
    shutdown,
  );
  base = worker.base;
  await removeAllServers(api, simulator.controlUrl);
}, 120_000);

afterAll(async () => {
  if (base) await removeAllServers(api, simulator.controlUrl);
  await shutdown.close();
}, 60_000);

describe(`the previous release (${PREVIOUS_RELEASE}) against today's schema`, { timeout: 60_000 }, () => {
  it('adds and lists a server, polls, creates, joins, answers getMeetingInfo and getRecordings', async () => {
    const added = await api('/servers', 'POST', { url: node.url, secret: node.secret, state: 'enabled' });
    expect((await api('/servers')).servers.map((s: any) => s.url)).toEqual([node.url]);
    expect(await api('/poll', 'POST')).toMatchObject({ servers: 1, online: 1 });

    const meetingID = `compat-${Date.now()}`;
    expect(await returncode(await bbb('create', { meetingID, name: 'Compat', moderatorPW: 'mp', attendeePW: 'ap' }))).toBe('SUCCESS');
    const join = await bbb('join', { meetingID, fullName: 'Ada', role: 'MODERATOR' }, { redirect: 'manual' });
    expect(join.status).toBe(302);
    expect(join.headers.get('location')).toContain(new URL(node.url).host);
    expect(await returncode(await bbb('getMeetingInfo', { meetingID }))).toBe('SUCCESS');

    // A recording indexed by today's code, read by the previous release.
    const sql = db();
    const recordId = `compat-rec-${Date.now()}`;
    await indexPublished(sql, { recordId, meetingId: meetingID, serverId: added.id });
    try {
      const xml = await (await bbb('getRecordings', { meetingID })).text();
      expect(xml).toContain('<returncode>SUCCESS</returncode>');
      expect(xml).toContain(`<recordID>${recordId}</recordID>`);
    } finally {
      await sql.query('DELETE FROM recordings WHERE record_id = $1', [recordId]);
    }
    expect(await returncode(await bbb('end', { meetingID }))).toBe('SUCCESS');
  });
});

/** Statements that take something away from the previous release; a deliberate one says `-- contract:` why. */
const CONTRACTING = /\b(DROP\s+(TABLE|COLUMN|INDEX|CONSTRAINT|TYPE|FUNCTION)|RENAME\b|ALTER\s+COLUMN\s+\w+\s+(SET\s+DATA\s+)?TYPE|SET\s+NOT\s+NULL)/i;

/** A column added NOT NULL without a default: the previous release's inserts, which do not name it, would fail. */
const requiredColumnAdded = (sql: string) =>
  sql
    .split(/[,;]/)
    .some((clause) => /\bADD\s+COLUMN\b/i.test(clause) && /\bNOT\s+NULL\b/i.test(clause) && !/\b(DEFAULT|GENERATED)\b/i.test(clause));

describe(`migrations since ${PREVIOUS_RELEASE}`, () => {
  const released = new Set(execFileSync('git', ['ls-tree', '--name-only', PREVIOUS_RELEASE, 'migrations/'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean));
  const files = readdirSync(path.join(ROOT, 'migrations')).filter((f) => f.endsWith('.sql')).map((f) => `migrations/${f}`);

  it('leave the released ones as they were: a database that applied them never sees an edit', () => {
    const edited = [...released].filter((f) => execFileSync('git', ['show', `${PREVIOUS_RELEASE}:${f}`], { cwd: ROOT, encoding: 'utf8' }) !== readFileSync(path.join(ROOT, f), 'utf8'));
    expect(edited).toEqual([]);
  });

  it('only expand, unless a migration says `-- contract:` what the previous release no longer uses', () => {
    const contracting = files
      .filter((f) => !released.has(f))
      .filter((f) => {
        const sql = readFileSync(path.join(ROOT, f), 'utf8');
        const statements = sql.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');
        return (CONTRACTING.test(statements) || requiredColumnAdded(statements)) && !/^--\s*contract:/m.test(sql);
      });
    expect(contracting).toEqual([]);
  });
});
