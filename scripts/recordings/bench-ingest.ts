/**
 * `npm run bench:ingest`: ingest throughput of a 1 GiB recording through the local stack — the
 * real Worker bundle in workerd (Miniflare's R2), real Postgres and Redis behind the Neon and
 * Upstash bridges — sent twice over HTTP: by the TypeScript ingest client, and by the node-side
 * bash uploader (curl + openssl), both in 64 MiB parts. Prints the numbers and writes them as
 * JSON under .local/bench/; docs/benchmarks.md has the analysis.
 *
 *   npm run bench:ingest [-- --size-mib 1024 --part-mib 64]
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, linkSync, mkdirSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPrivateStack } from '../stack/stack.js';
import { recordingFixture } from '../../test/support/recordings-ingest-fixture.js';
import { startIngestWorker } from '../../test/support/recordings-ingest-worker.js';
import { IngestClient } from './ingest-client.js';

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '1024' }, 'part-mib': { type: 'string', default: '64' } } });
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

async function main() {
  mkdirSync(root, { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  try {
    console.log(`bench:ingest: ${SIZE / MiB} MiB in ${PART / MiB} MiB parts; starting the stack and the Worker…`);
    const stack = await startPrivateStack(path.join(root, 'stack'));
    stops.push(() => stack.stop());
    const worker = await startIngestWorker(stack.endpoints);
    stops.push(() => worker.stop());
    const server = await worker.admin('addServer', { server: { url: 'https://bench-node.example.com/bigbluebutton/api', secret: NODE_SECRET } });

    const video = path.join(root, 'video-0.m4v');
    const started = performance.now();
    const sha256 = await makeFile(video, SIZE);
    console.log(`  test file written and hashed in ${seconds(performance.now() - started)} s`);

    // 1. The TypeScript client.
    const partMs: number[] = [];
    const client = new IngestClient({
      baseUrl: worker.base,
      serverId: server.id,
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
    mkdirSync(path.join(node, 'status'), { recursive: true });
    writeFileSync(path.join(dir, 'metadata.xml'), metadataFor(bashId));
    linkSync(video, path.join(dir, 'video-0.m4v'));
    const conf = path.join(node, 'uploader.conf');
    writeFileSync(
      conf,
      [`SCALEFLARE_URL=${worker.base}`, `SERVER_ID=${server.id}`, `SECRET=${NODE_SECRET}`, `PUBLISHED_DIR=${path.join(node, 'published')}`,
        `STATUS_DIR=${path.join(node, 'status')}`, `WORK_DIR=${path.join(node, 'work')}`, `PART_SIZE=${PART}`].join('\n') + '\n',
    );
    const t1 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', ['scripts/bbb-node/scaleflare-post-publish.sh', '-c', conf, '-m', bashId], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('close', resolve);
    });
    const bashMs = performance.now() - t1;
    if (code !== 0) throw new Error(`the bash uploader exited with ${code}`);

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
    console.log(JSON.stringify(result, null, 2));
    const out = path.resolve('.local', 'bench', `ingest-${result.date.replace(/[:.]/g, '-')}.json`);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    console.log(`written to ${path.relative(process.cwd(), out)}`);
    if (!intact) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: Error) => console.error(`cleanup: ${e.message}`));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
