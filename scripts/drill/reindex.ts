/** Rebuilds the recording index from R2 through the admin API, page by page (docs/recordings.md). */
import { admin } from './clients.js';
import type { Lab } from './lab.js';

interface ReindexPage {
  restored: string[];
  missingObjects: string[];
  cursor: string | null;
}

export async function reindexRecordings(lab: Lab): Promise<{ restored: number; missingObjects: number }> {
  let cursor: string | null = null;
  let restored = 0;
  let missingObjects = 0;
  do {
    const page: ReindexPage = await admin(lab, 'POST', '/recordings/reindex', cursor ? { cursor } : {});
    restored += page.restored.length;
    missingObjects += page.missingObjects.length;
    cursor = page.cursor;
  } while (cursor);
  return { restored, missingObjects };
}
