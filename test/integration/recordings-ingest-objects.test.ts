/** The R2 layout and the whole-recording operations every recordings part uses (src/recordings/objects.ts). */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  deleteRecordingObjects,
  listRecordingObjects,
  manifestKey,
  moveRecording,
  objectKey,
  SHA256_META,
  textTrackKey,
} from '../../src/recordings/objects';

const bucket = (env as unknown as { RECORDINGS: R2Bucket }).RECORDINGS;
let seq = 0;
const newId = () => `${'0a'.repeat(20)}-${Date.now()}${seq++}`;

async function seed(recordId: string) {
  await bucket.put(objectKey('published', 'presentation', recordId, 'metadata.xml'), '<recording/>', { customMetadata: { [SHA256_META]: 'x' }, httpMetadata: { contentType: 'application/xml' } });
  await bucket.put(objectKey('published', 'presentation', recordId, 'a/b/thumb.png'), 'png');
  await bucket.put(objectKey('published', 'video', recordId, 'video-0.m4v'), 'video');
  await bucket.put(textTrackKey(recordId, 'en-US.vtt'), 'WEBVTT');
  // Another recording whose id shares a prefix: never touched.
  await bucket.put(objectKey('published', 'presentation', `${recordId}0`, 'metadata.xml'), 'other');
}

describe('recording objects in R2', () => {
  it('lists every object of a recording, both prefixes, with format, path and digest', async () => {
    const id = newId();
    await seed(id);
    const objects = await listRecordingObjects(bucket, id);
    expect(objects.map((o) => [o.visibility, o.format, o.path]).sort()).toEqual([
      ['published', 'presentation', 'a/b/thumb.png'],
      ['published', 'presentation', 'metadata.xml'],
      ['published', 'video', 'video-0.m4v'],
    ]);
    expect(objects.find((o) => o.path === 'metadata.xml')!.sha256).toBe('x');
  });

  it('moves between prefixes, keeping metadata; repeatable; the target wins when both exist', async () => {
    const id = newId();
    await seed(id);
    expect(await moveRecording(bucket, id, 'unpublished')).toBe(3);
    expect(await moveRecording(bucket, id, 'unpublished')).toBe(0);
    const moved = await bucket.get(objectKey('unpublished', 'presentation', id, 'metadata.xml'));
    expect(await moved!.text()).toBe('<recording/>');
    expect(moved!.httpMetadata?.contentType).toBe('application/xml');
    expect(moved!.customMetadata?.[SHA256_META]).toBe('x');
    // An interrupted earlier move left a copy under both: the target's stays, the source goes.
    await bucket.put(objectKey('published', 'video', id, 'video-0.m4v'), 'stale');
    await bucket.put(objectKey('unpublished', 'video', id, 'video-0.m4v'), 'video');
    await moveRecording(bucket, id, 'unpublished');
    expect(await (await bucket.get(objectKey('unpublished', 'video', id, 'video-0.m4v')))!.text()).toBe('video');
    expect((await listRecordingObjects(bucket, id)).every((o) => o.visibility === 'unpublished')).toBe(true);
    await moveRecording(bucket, id, 'published');
    expect((await listRecordingObjects(bucket, id)).map((o) => o.visibility)).toEqual(['published', 'published', 'published']);
  });

  it('objects too large for one put are copied in ranged parts, byte for byte, with their metadata', async () => {
    const id = newId();
    const big = new Uint8Array(11 * 1024 * 1024 + 7).map((_, i) => (i * 31) & 0xff);
    const key = objectKey('published', 'video', id, 'video-0.m4v');
    await bucket.put(key, big, { customMetadata: { [SHA256_META]: 'digest' }, httpMetadata: { contentType: 'video/mp4' } });
    await moveRecording(bucket, id, 'unpublished', { singlePutMax: 6 * 1024 * 1024, partBytes: 5 * 1024 * 1024 });
    const moved = await bucket.get(objectKey('unpublished', 'video', id, 'video-0.m4v'));
    const digest = async (b: ArrayBuffer | Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.digest('SHA-256', b)).join(',');
    const copy = await moved!.arrayBuffer();
    expect(copy.byteLength).toBe(big.byteLength);
    expect(await digest(copy)).toBe(await digest(big));
    expect(moved!.customMetadata?.[SHA256_META]).toBe('digest');
    expect(moved!.httpMetadata?.contentType).toBe('video/mp4');
    expect(await bucket.head(key)).toBeNull();
  });

  it('deletes everything of the recording, text tracks and upload manifest included, and nothing else', async () => {
    const id = newId();
    await seed(id);
    await moveRecording(bucket, id, 'unpublished');
    await bucket.put(objectKey('published', 'presentation', id, 'left-behind.txt'), 'x');
    await bucket.put(manifestKey(id), 'manifest');
    expect(await deleteRecordingObjects(bucket, id)).toBe(5);
    expect(await listRecordingObjects(bucket, id)).toEqual([]);
    expect(await bucket.head(textTrackKey(id, 'en-US.vtt'))).toBeNull();
    expect(await bucket.head(manifestKey(id))).toBeNull();
    expect(await bucket.head(objectKey('published', 'presentation', `${id}0`, 'metadata.xml'))).not.toBeNull();
  });
});
