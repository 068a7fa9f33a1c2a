/**
 * `npm run bench:ingest`: ingest through the local stack — the real Worker bundle in workerd
 * (Miniflare's R2), real Postgres and Redis behind the Neon and Upstash bridges — sent twice over
 * HTTP: by the TypeScript ingest client, and by the node-side bash uploader (curl + openssl).
 * Either one 1 GiB video in 64 MiB parts (throughput), or with `--slides N` a presentation
 * recording of 3 files per slide plus a few media files (many small files: requests, not bytes).
 * Prints the numbers and writes them as JSON under .local/bench/; docs/benchmarks.md has the
 * analysis.
 *
 *   npm run bench:ingest [-- --size-mib 1024 --part-mib 64]
 *   npm run bench:ingest -- --slides 230 [--media-mib 32] [--one-by-one]   (700 files; --one-by-one
 *   also has both senders send them one per request, one at a time, as before batches: the ratio
 *   in the same run)
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, linkSync, mkdirSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateStack } from '../stack/stack.js';
import { recordingFixture } from '../../test/support/recordings-ingest-fixture.js';
import { startIngestWorker, type IngestWorker } from '../../test/support/recordings-ingest-worker.js';
import { IngestClient } from './ingest-client.js';

const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '1024' },
    'part-mib': { type: 'string', default: '64' },
    slides: { type: 'string' },
    'media-mib': { type: 'string', default: '32' },
    'one-by-one': { type: 'boolean', default: false },
  },
});
const MiB = 1024 * 1024;
const SIZE = Number(values['size-mib']) * MiB;
const PART = Number(values['part-mib']) * MiB;
const NODE_SECRET = 'bench-node-secret';

const root = path.resolve('.local', `bench-ingest-${process.pid}`);
const seconds = (ms: number) => Math.round(ms) / 1000;
const mibPerSecond = (bytes: number, ms: number) => Math.round((bytes / MiB / (ms / 1000)) * 10) / 10;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

/** A file of `size` random bytes, written in 1 MiB blocks; returns its SHA-256. */
async function makeFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = size; left > 0; left -= MiB) {
    const block = randomBytes(Math.min(MiB, left));
    hash.update(block);
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return hash.digest('hex');
}

function metadataFor(recordId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(recordingFixture({ recordId, videoBytes: 1 }).find((f) => f.format === 'video' && f.path === 'metadata.xml')!.data);
}

/** One 1 GiB video in parts: throughput of the part path. */
async function videoBench(worker: IngestWorker, serverId: string) {
  const video = path.join(root, 'video-0.m4v');
  const started = performance.now();
  const sha256 = await makeFile(video, SIZE);
  console.log(`  test file written and hashed in ${seconds(performance.now() - started)} s`);

  // 1. The TypeScript client.
  const partMs: number[] = [];
  const client = new IngestClient({
    baseUrl: worker.base,
    serverId,
    secret: NODE_SECRET,
    partSize: PART,
    send: async (req) => {
      const t = performance.now();
      const res = await fetch(req);
      if (new URL(req.url).pathname.includes('/part/')) {
        await res.clone().arrayBuffer();
        partMs.push(performance.now() - t);
      }
      return res;
    },
  });
  const tsId = `${'b1'.repeat(20)}-${Date.now()}`;
  const xml = metadataFor(tsId);
  const files = [
    { format: 'video', path: 'metadata.xml', data: new Blob([xml]) },
    { format: 'video', path: 'video-0.m4v', data: await openAsBlob(video), sha256 },
  ];
  const t0 = performance.now();
  await client.uploadRecording(tsId, files);
  const tsMs = performance.now() - t0;
  const tc = performance.now();
  await client.complete(tsId, `${createHash('sha256').update(xml).digest('hex')} ${xml.length} video/metadata.xml\n${sha256} ${SIZE} video/video-0.m4v\n`);
  const completeMs = performance.now() - tc;

  // The object is intact: read back from R2 and hashed.
  const bucket = await worker.bucket();
  const stored = await bucket.get(`published/video/${tsId}/video-0.m4v`);
  const check = createHash('sha256');
  for await (const chunk of stored!.body as unknown as AsyncIterable<Uint8Array>) check.update(chunk);
  const intact = check.digest('hex') === sha256;

  // 2. The node-side bash uploader, on a BBB-shaped tree (a hard link: no second GiB on disk).
  const bashId = `${'b2'.repeat(20)}-${Date.now()}`;
  const node = path.join(root, 'node');
  const dir = path.join(node, 'published', 'video', bashId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'metadata.xml'), metadataFor(bashId));
  linkSync(video, path.join(dir, 'video-0.m4v'));
  const conf = uploaderConf(worker.base, serverId, node);
  const { ms: bashMs } = await runUploader(node, conf, bashId);

  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB RAM`,
    sizeMiB: SIZE / MiB,
    partMiB: PART / MiB,
    parts: partMs.length,
    tsClient: {
      seconds: seconds(tsMs),
      mibPerSecond: mibPerSecond(SIZE, tsMs),
      partMs: { p50: Math.round(percentile(partMs, 50)), p95: Math.round(percentile(partMs, 95)), max: Math.round(Math.max(...partMs)) },
      repeatCompleteMs: Math.round(completeMs),
      intact,
    },
    bashUploader: { seconds: seconds(bashMs), mibPerSecond: mibPerSecond(SIZE, bashMs) },
  };
  return { result, ok: intact };
}

/**
 * A presentation recording as BBB 2.x/3.0 leaves it: per slide its image, thumbnail and SVG
 * (tens of KB each), the event files, and two media files; 3 × slides + 10 files.
 */
function writePresentation(dir: string, recordId: string, slides: number, mediaBytes: number, media?: { webcams: string; deskshare: string }) {
  const files: { path: string; size: number }[] = [];
  const put = (rel: string, data: Uint8Array) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
    files.push({ path: rel, size: data.length });
  };
  const xml = recordingFixture({ recordId }).find((f) => f.path === 'metadata.xml')!.data;
  put('metadata.xml', xml);
  for (const name of ['shapes.svg', 'panzooms.xml', 'cursor.xml', 'deskshare.xml', 'captions.json', 'presentation_text.json', 'external_videos.json']) {
    put(name, randomBytes(20_000 + (name.length * 997) % 30_000));
  }
  const pres = `presentation/${'5f'.repeat(20)}-1530718721200`;
  for (let n = 1; n <= slides; n++) {
    put(`${pres}/slide-${n}.png`, randomBytes(40_000 + ((n * 7919) % 80_000)));
    put(`${pres}/thumbnails/thumb-${n}.png`, randomBytes(4_000 + ((n * 104_729) % 8_000)));
    put(`${pres}/svgs/slide${n}.svg`, randomBytes(8_000 + ((n * 15_485_863) % 30_000)));
  }
  for (const [rel, share] of [['video/webcams.webm', 0.75], ['deskshare/deskshare.webm', 0.25]] as const) {
    const target = path.join(dir, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    const source = media?.[rel.startsWith('video') ? 'webcams' : 'deskshare'];
    // The second tree links the first one's media: no second copy on disk.
    if (source) linkSync(source, target);
    else writeFileSync(target, randomBytes(Math.floor(mediaBytes * share)));
    files.push({ path: rel, size: Math.floor(mediaBytes * share) });
  }
  return { files, media: { webcams: path.join(dir, 'video/webcams.webm'), deskshare: path.join(dir, 'deskshare/deskshare.webm') } };
}

/** Many small files: what a 300-slide presentation costs in requests and seconds. */
async function presentationBench(worker: IngestWorker, serverId: string, slides: number) {
  const mediaBytes = Number(values['media-mib']) * MiB;
  const node = path.join(root, 'node');
  const tsId = `${'c1'.repeat(20)}-${Date.now()}`;
  const bashId = `${'c2'.repeat(20)}-${Date.now()}`;
  const tsDir = path.join(node, 'published', 'presentation', tsId);
  const written = writePresentation(tsDir, tsId, slides, mediaBytes);
  writePresentation(path.join(node, 'published', 'presentation', bashId), bashId, slides, mediaBytes, written.media);
  const bytesTotal = written.files.reduce((a, f) => a + f.size, 0);
  console.log(`  ${written.files.length} files, ${Math.round(bytesTotal / MiB)} MiB (${slides} slides, ${mediaBytes / MiB} MiB of media)`);

  // 1. The TypeScript client: one file per request as before batches, then with batches.
  const files = await Promise.all(
    written.files.map(async (f) => ({ format: 'presentation', path: f.path, data: await openAsBlob(path.join(tsDir, f.path)) })),
  );
  const tsRun = async (recordId: string, o: { batchFiles?: number; parallel?: number }) => {
    let requests = 0;
    const client = new IngestClient({ baseUrl: worker.base, serverId, secret: NODE_SECRET, ...o, send: (req) => (requests++, sendRetrying(req)) });
    const t = performance.now();
    const xml = recordingFixture({ recordId }).find((f) => f.path === 'metadata.xml')!.data;
    const answer = await client.uploadRecording(recordId, files.map((f) => (f.path === 'metadata.xml' ? { ...f, data: new Blob([new Uint8Array(xml)]) } : f)));
    return { seconds: seconds(performance.now() - t), requests, formats: answer.formats };
  };
  // The floor: R2 puts of the slide files alone (Miniflare's R2, through its Node proxy), 6 at once as a batch does.
  const slideFiles = written.files.filter((f) => f.path.startsWith('presentation/'));
  const bucket = await worker.bucket();
  const tf = performance.now();
  for (let i = 0; i < slideFiles.length; i += 6) {
    await Promise.all(slideFiles.slice(i, i + 6).map((f) => bucket.put(`floor/${f.path}`, new Uint8Array(readFileSync(path.join(tsDir, f.path))))));
  }
  const r2Floor = { files: slideFiles.length, seconds: seconds(performance.now() - tf) };
  const tsBatches = await tsRun(tsId, {});
  const tsOneByOne = values['one-by-one'] ? await tsRun(`${'c3'.repeat(20)}-${Date.now()}`, { batchFiles: 1, parallel: 1 }) : undefined;

  // 2. The node-side bash uploader, curl counted by a wrapper in PATH.
  const { ms: bashMs, requests: bashRequests } = await runUploader(node, uploaderConf(worker.base, serverId, node), bashId);
  let bashOneByOne: { seconds: number; requests: number } | undefined;
  if (values['one-by-one']) {
    const oneId = `${'c4'.repeat(20)}-${Date.now()}`;
    writePresentation(path.join(node, 'published', 'presentation', oneId), oneId, slides, mediaBytes, written.media);
    const one = await runUploader(node, uploaderConf(worker.base, serverId, node, ['BATCH_FILES=1', 'PARALLEL=1']), oneId);
    bashOneByOne = { seconds: seconds(one.ms), requests: one.requests };
  }
  const stored = (await (await worker.bucket()).list({ prefix: `published/presentation/${bashId}/`, limit: 1000 })).objects.length;
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB RAM`,
    files: written.files.length,
    mib: Math.round((bytesTotal / MiB) * 10) / 10,
    r2PutsOnly: r2Floor,
    tsClient: tsBatches,
    ...(tsOneByOne ? { tsClientOneFilePerRequest: tsOneByOne } : {}),
    bashUploader: { seconds: seconds(bashMs), requests: bashRequests, stored },
    ...(bashOneByOne ? { bashUploaderOneFilePerRequest: bashOneByOne } : {}),
  };
  return { result, ok: stored === written.files.length };
}

function uploaderConf(base: string, serverId: string, node: string, extra: string[] = []): string {
  mkdirSync(path.join(node, 'status'), { recursive: true });
  const conf = path.join(node, 'uploader.conf');
  writeFileSync(
    conf,
    [`SCALEFLARE_URL=${base}`, `SERVER_ID=${serverId}`, `SECRET=${NODE_SECRET}`, `PUBLISHED_DIR=${path.join(node, 'published')}`,
      `STATUS_DIR=${path.join(node, 'status')}`, `WORK_DIR=${path.join(node, 'work')}`, `PART_SIZE=${PART}`, ...extra].join('\n') + '\n',
  );
  return conf;
}

/**
 * fetch, once more after a dropped connection (an idle keep-alive socket closed under load): every
 * ingest request may be repeated, as the node-side script does.
 */
async function sendRetrying(req: Request): Promise<Response> {
  try {
    return await fetch(req.clone());
  } catch {
    return fetch(req);
  }
}

/** Runs the bash uploader on one recording; counts its curl calls through a wrapper in PATH. */
async function runUploader(node: string, conf: string, recordId: string): Promise<{ ms: number; requests: number }> {
  const bin = path.join(node, 'bin');
  const counted = path.join(node, 'curl-calls');
  mkdirSync(bin, { recursive: true });
  writeFileSync(counted, '');
  const curl = execFileSync('sh', ['-c', 'command -v curl']).toString().trim();
  writeFileSync(path.join(bin, 'curl'), `#!/bin/sh\necho >>'${counted}'\nexec '${curl}' "$@"\n`);
  chmodSync(path.join(bin, 'curl'), 0o755);
  const t = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', ['scripts/bbb-node/scaleflare-post-publish.sh', '-c', conf, '-m', recordId], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    child.on('close', resolve);
  });
  const ms = performance.now() - t;
  if (code !== 0) throw new Error(`the bash uploader exited with ${code}`);
  return { ms, requests: readFileSync(counted, 'utf8').length };
}

async function main() {
  mkdirSync(root, { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const slides = values.slides === undefined ? undefined : Number(values.slides);
    console.log(`bench:ingest: ${slides ? `a presentation of ${slides} slides` : `${SIZE / MiB} MiB in ${PART / MiB} MiB parts`}; starting the stack and the Worker…`);
    const stack = await startPrivateStack(path.join(root, 'stack'));
    stops.push(() => stack.stop());
    const worker = await startIngestWorker(stack.endpoints);
    stops.push(() => worker.stop());
    const server = await worker.admin('addServer', { server: { url: 'https://bench-node.example.com/bigbluebutton/api', secret: NODE_SECRET } });
    const { result, ok } = slides ? await presentationBench(worker, server.id, slides) : await videoBench(worker, server.id);
    console.log(JSON.stringify(result, null, 2));
    const out = path.resolve('.local', 'bench', `ingest-${result.date.replace(/[:.]/g, '-')}.json`);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`written to ${path.relative(process.cwd(), out)}`);
    if (!ok) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
