import type { Config } from '../config.js';
import { randomHex } from '../crypto.js';
import type { ServerRow } from '../store/servers.js';
import { callServer, refusedChecksum } from './node.js';

/** A meeting no one creates: the probe only needs the node to check the checksum. */
const PROBE_MEETING = 'scaleflare-secret-check';

/** The secrets a node may sign its own requests with: its secret, and the new one while a rotation is pending. */
export const nodeSecrets = (server: ServerRow): string[] => (server.secretNext ? [server.secret, server.secretNext] : [server.secret]);

/** A node secret for a rotation when the operator gives none: 256 random bits, hex (what `bbb-conf --setsecret` takes). */
export const generateSecret = (): string => randomHex(32);

/**
 * Whether the node takes the pending secret now (it switched): one cheap signed call with it alone.
 * Throws NodeCallError when the node cannot be asked.
 */
export async function takesSecretNext(cfg: Config, server: ServerRow & { secretNext: string }): Promise<boolean> {
  const res = await callServer(cfg, { ...server, secret: server.secretNext, secretNext: null }, 'isMeetingRunning', [['meetingID', PROBE_MEETING]]);
  return !refusedChecksum(res);
}
