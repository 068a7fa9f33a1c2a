/**
 * The node-side bash uploader (scripts/bbb-node/scaleflare-post-publish.sh) against the real
 * Worker over HTTP, with a synthetic recording tree as a BBB node has it: the recording shows up
 * in getRecordings, its playback URL redirects to an object that exists, interrupted runs
 * resume, and delete-after-upload waits for every format.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eventsXml, recordingFixture, type FixtureOptions } from '../support/recordings-ingest-fixture';
import { LB_SECRET, startIngestWorker, type IngestWorker } from '../support/recordings-ingest-worker';

const SCRIPT = path.resolve('scripts/bbb-node/scaleflare-post-publish.sh');
const SHIM = path.resolve('scripts/bbb-node/scaleflare_post_publish.rb');
const MiB = 1024 * 1024;
const NODE_SECRET = 'uploader-node-secret';
const hasRuby = spawnSync('ruby', ['--version']).status === 0;

let worker: IngestWorker;
let serverId: string;
let root: string;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
let seq = 0;
const newId = () => `${'cd'.repeat(20)}-${Date.now()}${seq++}`;

interface Node {
  dir: string;
  conf: string;
  published: string;
  status: string;
  deleted: string;
}

/** A BBB node's directories, a fake bbb-record that notes deletions, and the uploader's config. */
function makeNode(settings: Record<string, string> = {}): Node {
  const dir = mkdtempSync(path.join(root, 'node-'));
  const n = { dir, conf: path.join(dir, 'uploader.conf'), published: path.join(dir, 'published'), status: path.join(dir, 'status'), deleted: path.join(dir, 'deleted') };
  for (const d of [n.published, `${n.status}/processed`, `${n.status}/published`, `${dir}/bin`]) mkdirSync(d, { recursive: true });
  writeFileSync(`${dir}/bin/bbb-record`, `#!/bin/bash\n[ "$1" = --delete ] && echo "$2" >> "${n.deleted}"\n`);
  chmodSync(`${dir}/bin/bbb-record`, 0o755);
  const conf = {
    SCALEFLARE_URL: worker.base,
    SERVER_ID: serverId,
    SECRET: NODE_SECRET,
    PUBLISHED_DIR: n.published,
    STATUS_DIR: n.status,
    WORK_DIR: `${dir}/work`,
    PART_SIZE: String(5 * MiB),
    RETRIES: '2',
    RETRY_DELAY: '0',
    ...settings,
  };
  writeFileSync(n.conf, `# test node\n${Object.entries(conf).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  return n;
}

function publish(n: Node, o: FixtureOptions): ReturnType<typeof recordingFixture> {
  const files = recordingFixture(o);
  for (const f of files) {
    const file = path.join(n.published, f.format, o.recordId, f.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.data);
  }
  return files;
}

function run(n: Node, args: string[], o: { killAfterMs?: number; ruby?: boolean } = {}): Promise<{ code: number | null; stderr: string }> {
  const [cmd, argv] = o.ruby ? ['ruby', [SHIM, ...args]] : ['bash', [SCRIPT, '-c', n.conf, ...args]];
  const child = spawn(cmd, argv as string[], {
    env: { ...process.env, PATH: `${n.dir}/bin:${process.env.PATH}` },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const kill = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already finished
    }
  };
  const timer = o.killAfterMs === undefined ? undefined : setTimeout(kill, o.killAfterMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

const hexOf = async (text: string) => createHash('sha1').update(text).digest('hex');

async function api(call: string, query: string): Promise<string> {
  const res = await fetch(`${worker.base}/bigbluebutton/api/${call}?${query}&checksum=${await hexOf(call + query + LB_SECRET)}`);
  return res.text();
}
const getRecordings = (query: string) => api('getRecordings', query);

/** Every file of the recording is in R2 exactly once, byte for byte. */
async function expectStored(recordId: string, files: ReturnType<typeof recordingFixture>, visibility = 'published') {
  const bucket = await worker.bucket();
  for (const f of files) {
    const o = await bucket.get(`${visibility}/${f.format}/${recordId}/${f.path}`);
    expect(o, f.path).not.toBeNull();
    expect(sha256(new Uint8Array(await o!.arrayBuffer())), f.path).toBe(sha256(f.data));
  }
  const other = visibility === 'published' ? 'unpublished' : 'published';
  for (const format of new Set(files.map((f) => f.format))) {
    expect((await bucket.list({ prefix: `${other}/${format}/${recordId}/` })).objects).toEqual([]);
  }
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'scaleflare-uploader-'));
  worker = await startIngestWorker(inject('stack').endpoints);
  const added = await worker.admin('addServer', { server: { url: 'https://bbb-uploader.example.com/bigbluebutton/api', secret: NODE_SECRET } });
  serverId = added.id;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('node-side uploader (bash, curl, openssl)', { timeout: 90_000 }, () => {
  it('post_publish hook: uploads presentation and a multipart video; the recording is in getRecordings and plays', async () => {
    const n = makeNode();
    const recordId = newId();
    const files = publish(n, { recordId, videoBytes: 11 * MiB + 123 });
    const { code, stderr } = await run(n, ['-m', recordId], { ruby: false });
    expect(code, stderr).toBe(0);
    await expectStored(recordId, files);
    expect(readFileSync(path.join(n.dir, 'work', `${recordId}-scaleflare.done`), 'utf8').trim()).toBe('presentation video');

    const xml = await getRecordings(`recordID=${recordId}`);
    expect(xml).toContain(`<recordID>${recordId}</recordID>`);
    const url = /<type>presentation<\/type>\s*<url>([^<]+)<\/url>/.exec(xml)?.[1];
    expect(url).toContain(`/playback/presentation/2.3/${recordId}`);
    // The playback redirect leads to an object that exists.
    const meta = await fetch(url!.replace(/^https?:\/\/[^/]+/, worker.base).replace('/playback/presentation/2.3/', '/presentation/') + '/metadata.xml', {
      redirect: 'manual',
    });
    expect([200, 302, 307]).toContain(meta.status);
    const body = meta.status === 200 ? meta : await fetch(new URL(meta.headers.get('location')!, worker.base));
    expect(body.status).toBe(200);
    expect(await body.text()).toContain(`<id>${recordId}</id>`);
  });

  it('an uploaded recording unpublishes, publishes and deletes through the BBB API; the node then stops', async () => {
    const n = makeNode();
    const recordId = newId();
    const files = publish(n, { recordId });
    expect((await run(n, ['-m', recordId])).code).toBe(0);
    expect(await api('publishRecordings', `recordID=${recordId}&publish=false`)).toContain('<published>false</published>');
    await expectStored(recordId, files, 'unpublished');
    // A re-upload keeps the API's choice.
    expect((await run(n, ['-c', n.conf, '-m', recordId])).code).toBe(0);
    await expectStored(recordId, files, 'unpublished');
    expect(await api('publishRecordings', `recordID=${recordId}&publish=true`)).toContain('<published>true</published>');
    await expectStored(recordId, files, 'published');
    expect(await api('deleteRecordings', `recordID=${recordId}`)).toContain('<deleted>true</deleted>');
    const bucket = await worker.bucket();
    for (const prefix of ['published', 'unpublished']) expect((await bucket.list({ prefix: `${prefix}/presentation/${recordId}/` })).objects).toEqual([]);
    const after = await run(n, ['-m', recordId]);
    expect(after.code).toBe(0);
    expect(after.stderr).toContain('deleted on the balancer');
    expect((await bucket.list({ prefix: `published/presentation/${recordId}/` })).objects).toEqual([]);
  });

  it.skipIf(!hasRuby)('the Ruby shim BBB runs hands over to the bash script', async () => {
    const n = makeNode();
    const recordId = newId();
    const files = publish(n, { recordId });
    // BBB passes only -m; -c is added here so the test's config is used instead of /etc.
    const { code, stderr } = await run(n, ['-c', n.conf, '-m', recordId], { ruby: true });
    expect(code, stderr).toBe(0);
    await expectStored(recordId, files);
  });

  it('post_archive and post_process hooks: the recording is processing, then processed, then published', async () => {
    const n = makeNode();
    const raw = path.join(n.dir, 'raw');
    // BBB's steps name the formats it processes; the override under /etc wins (RAP_CONFIG's last).
    writeFileSync(path.join(n.dir, 'bigbluebutton.yml'), "steps:\n  archive: 'sanity'\n  sanity: 'captions'\n  captions: 'process:presentation'\n");
    writeFileSync(path.join(n.dir, 'recording.yml'), "steps:\n  captions:\n    - 'process:presentation'\n    - 'process:video'\n  'process:presentation': 'publish:presentation'\n");
    writeFileSync(n.conf, `${readFileSync(n.conf, 'utf8')}RAW_DIR=${raw}\nRAP_CONFIG=${n.dir}/bigbluebutton.yml ${n.dir}/recording.yml\n`);
    const recordId = newId();
    const o = { recordId, meta: { 'bbb-disable-recording-formats': 'video' } };
    const meeting = `meetingID=${encodeURIComponent(`meeting-${recordId}`)}`;

    const missing = await run(n, ['--hook', 'post_archive', '-m', recordId]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('events.xml');
    mkdirSync(path.join(raw, recordId), { recursive: true });
    writeFileSync(path.join(raw, recordId, 'events.xml'), eventsXml(o));

    const archived = await run(n, ['--hook', 'post_archive', '-m', recordId]);
    expect(archived.code, archived.stderr).toBe(0);
    expect(archived.stderr).toContain('reported processing');
    expect(await getRecordings(meeting)).toContain('<messageKey>noRecordings</messageKey>');
    const processing = await getRecordings(`${meeting}&state=processing`);
    expect(processing).toContain(`<recordID>${recordId}</recordID>`);
    expect(processing).toContain('<state>processing</state>');

    const processed = await run(n, ['--hook', 'post_process', '-m', recordId, '-f', 'presentation']);
    expect(processed.code, processed.stderr).toBe(0);
    expect(await getRecordings(`${meeting}&state=processed`)).toContain('<state>processed</state>');

    const files = publish(n, o);
    expect((await run(n, ['-m', recordId])).code).toBe(0);
    await expectStored(recordId, files);
    expect(await getRecordings(`${meeting}&state=processing,processed`)).toContain('<messageKey>noRecordings</messageKey>');
    expect(await getRecordings(meeting)).toContain('<state>published</state>');
  });

  it('killed at random points, re-run: one intact recording; unchanged re-runs send nothing new', async () => {
    const n = makeNode();
    const recordId = newId();
    const files = publish(n, { recordId, videoBytes: 26 * MiB });
    let killed = 0;
    for (const ms of [40, 120, 250, 400, 600]) if ((await run(n, ['-m', recordId], { killAfterMs: ms })).code === null) killed++;
    expect(killed).toBeGreaterThanOrEqual(2);
    const { code, stderr } = await run(n, ['-m', recordId]);
    expect(code, stderr).toBe(0);
    await expectStored(recordId, files);
    const again = await run(n, ['-m', recordId]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/PUT (file|part)\/|POST files\//);
  });

  it('small files go many per request, a few requests at once; BATCH_FILES=1 sends each alone; a refused batch exits 1 with its code', async () => {
    const realCurl = spawnSync('sh', ['-c', 'command -v curl']).stdout.toString().trim();
    /** A node whose curl notes each request's method and operation. */
    const counted = (settings: Record<string, string>) => {
      const n = makeNode(settings);
      writeFileSync(`${n.dir}/bin/curl`, `#!/bin/sh\nfor a; do case "$a" in http*) echo "\${a#*/ingest/v1/}" | cut -d/ -f1 >> "${n.dir}/calls" ;; esac; done\nexec "${realCurl}" "$@"\n`);
      chmodSync(`${n.dir}/bin/curl`, 0o755);
      return { n, calls: () => readFileSync(`${n.dir}/calls`, 'utf8').trim().split('\n') };
    };
    const slides = () =>
      Array.from({ length: 120 }, (_, i) => ({ format: 'presentation', path: `presentation/d2d9-1/svgs/slide${i + 1}.svg`, data: new TextEncoder().encode(`<svg n="${i}"/>`) }));
    const publishAll = (n: Node, recordId: string) => {
      const extra = slides();
      mkdirSync(path.join(n.published, 'presentation', recordId, 'presentation/d2d9-1/svgs'), { recursive: true });
      for (const f of extra) writeFileSync(path.join(n.published, f.format, recordId, f.path), f.data);
      return [...publish(n, { recordId }), ...extra];
    };

    const batching = counted({ BATCH_FILES: '50', PARALLEL: '2' });
    const a = newId();
    const filesA = publishAll(batching.n, a);
    const ran = await run(batching.n, ['-m', a]);
    expect(ran.code, ran.stderr).toBe(0);
    await expectStored(a, filesA);
    // 126 files: 3 batches of at most 50, between the status and the complete.
    expect(batching.calls()).toEqual(['status', 'files', 'files', 'files', 'complete']);

    const alone = counted({ BATCH_FILES: '1' });
    const b = newId();
    const filesB = publishAll(alone.n, b);
    expect((await run(alone.n, ['-m', b])).code).toBe(0);
    await expectStored(b, filesB);
    expect(alone.calls().filter((c) => c === 'file')).toHaveLength(126);

    // A format the balancer does not take: the batch is refused, the run exits 1 and says why.
    const c = newId();
    publish(batching.n, { recordId: c });
    mkdirSync(path.join(batching.n.published, 'nosuchformat', c), { recursive: true });
    writeFileSync(path.join(batching.n.published, 'nosuchformat', c, 'a.txt'), 'x');
    const refused = await run(batching.n, ['-m', c]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('unknown_format');
  });

  it('batch mode back-fills every published recording not yet uploaded', async () => {
    const n = makeNode();
    const ids = [newId(), newId(), newId()];
    const all = ids.map((recordId) => publish(n, { recordId }));
    expect((await run(n, ['-m', ids[0]!])).code).toBe(0);
    const { code, stderr } = await run(n, ['--batch']);
    expect(code, stderr).toBe(0);
    for (const [i, id] of ids.entries()) await expectStored(id, all[i]!);
    expect(stderr).not.toContain(`${ids[0]}: uploaded`);
    // Nothing left to do.
    const idle = await run(n, ['--batch']);
    expect(idle.stderr).not.toContain('uploaded');
  });

  it('delete-after-upload waits until every format is published', async () => {
    const n = makeNode({ DELETE_AFTER_UPLOAD: 'true' });
    const recordId = newId();
    publish(n, { recordId });
    // The video format is still processing: BBB keeps its processed marker until it publishes.
    writeFileSync(`${n.status}/processed/${recordId}-video.done`, '');
    expect((await run(n, ['-m', recordId])).code).toBe(0);
    expect(existsSync(n.deleted)).toBe(false);
    rmSync(`${n.status}/processed/${recordId}-video.done`);
    const files = publish(n, { recordId, videoBytes: 6 * MiB });
    expect((await run(n, ['-m', recordId])).code).toBe(0);
    await expectStored(recordId, files);
    expect(readFileSync(n.deleted, 'utf8').trim()).toBe(recordId);

    // A hook run that came too early is finished by the batch once everything is published.
    const late = newId();
    publish(n, { recordId: late });
    writeFileSync(`${n.status}/processed/${late}-video.done`, '');
    expect((await run(n, ['-m', late])).code).toBe(0);
    expect(readFileSync(n.deleted, 'utf8')).not.toContain(late);
    rmSync(`${n.status}/processed/${late}-video.done`);
    const batch = await run(n, ['--batch']);
    expect(batch.code, batch.stderr).toBe(0);
    expect(batch.stderr).not.toMatch(/PUT (file|part)\//);
    expect(readFileSync(n.deleted, 'utf8')).toContain(late);
  });

  it('refusals are reported and not retried; bad configuration exits 3', async () => {
    const wrong = makeNode({ SECRET: 'not-the-secret' });
    const recordId = newId();
    publish(wrong, { recordId });
    const refused = await run(wrong, ['-m', recordId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bad_signature');
    expect(refused.stderr).not.toContain('not-the-secret');
    expect(refused.stderr).not.toContain('retry');

    const down = makeNode({ SCALEFLARE_URL: 'http://127.0.0.1:9', RETRIES: '2', RETRY_DELAY: '0' });
    publish(down, { recordId });
    const unreachable = await run(down, ['-m', recordId]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('retry 2/2');

    const bad = makeNode({ SERVER_ID: '' });
    expect((await run(bad, ['-m', recordId])).code).toBe(3);
  });
});
