import { digestHex } from '../../crypto.js';

/** Which secret is set, without the secret: the first 12 hex digits of its SHA-256. */
export async function fingerprint(secret: string): Promise<string> {
  return (await digestHex('SHA-256', secret)).slice(0, 12);
}

export const iso = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);
