/** Where the command writes: R2's S3 API from the R2_* environment, or a local R2. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getPlatformProxy } from 'wrangler';
import type { ObjectSink } from './importer.js';
import type { ImportCliOptions } from './options.js';
import { bindingSink, s3Sink } from './sinks.js';

const bucketName = () => process.env.R2_BUCKET_NAME || 'scaleflare-recordings';

export async function openTarget(opts: ImportCliOptions): Promise<{ name: string; sink: ObjectSink; close(): Promise<void> }> {
  if (opts.localState) {
    const local = await openLocalBucket(opts.localState);
    return { name: local.name, sink: bindingSink(local.bucket), close: local.close };
  }
  const { R2_ACCOUNT_ID, R2_S3_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY } = process.env;
  const endpoint = R2_S3_ENDPOINT || (R2_ACCOUNT_ID ? `https://${R2_ACCOUNT_ID}.r2.cloudflarestorage.com` : '');
  if (!endpoint || !R2_ACCESS_KEY_ID || !R2_SECRET_ACCESS_KEY) {
    throw new Error('set R2_ACCOUNT_ID (or R2_S3_ENDPOINT), R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY, or use --local');
  }
  const bucket = bucketName();
  return {
    name: `${new URL(endpoint).host}/${bucket}`,
    sink: s3Sink({ endpoint, bucket, accessKeyId: R2_ACCESS_KEY_ID, secretAccessKey: R2_SECRET_ACCESS_KEY }),
    close: async () => {},
  };
}

/**
 * The local R2 of `wrangler dev`: the same bucket name in the same state directory. A minimal
 * config of its own, because the Worker's (a service binding to itself) cannot start without the
 * Worker's code.
 */
export async function openLocalBucket(stateDir: string): Promise<{ name: string; bucket: R2Bucket; close(): Promise<void> }> {
  const bucket = bucketName();
  const dir = mkdtempSync(path.join(tmpdir(), 'import-scalelite-'));
  const configPath = path.join(dir, 'wrangler.json');
  writeFileSync(configPath, JSON.stringify({ name: 'import-scalelite', compatibility_date: '2026-04-20', r2_buckets: [{ binding: 'RECORDINGS', bucket_name: bucket }] }));
  const proxy = await getPlatformProxy<{ RECORDINGS: R2Bucket }>({ configPath, persist: { path: stateDir }, remoteBindings: false, envFiles: [] });
  return {
    name: `local R2 ${bucket} in ${stateDir}`,
    bucket: proxy.env.RECORDINGS,
    close: async () => {
      await proxy.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
