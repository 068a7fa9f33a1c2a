/** The R2 layout and the whole-recording operations every recordings part uses (src/recordings/objects.ts). */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  deleteRecordingObjects,
  listRecordingObjects,
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

  it('deletes everything of the recording, text tracks included, and nothing else', async () => {
    const id = newId();
    await seed(id);
    await moveRecording(bucket, id, 'unpublished');
    await bucket.put(objectKey('published', 'presentation', id, 'left-behind.txt'), 'x');
    expect(await deleteRecordingObjects(bucket, id)).toBe(5);
    expect(await listRecordingObjects(bucket, id)).toEqual([]);
    expect(await bucket.head(textTrackKey(id, 'en-US.vtt'))).toBeNull();
    expect(await bucket.head(objectKey('published', 'presentation', `${id}0`, 'metadata.xml'))).not.toBeNull();
  });
});
