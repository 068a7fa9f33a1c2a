import { toHex } from '../bbb/checksum.js';
import type { ServerRow } from '../store/servers.js';

/** The secrets a node may sign its own requests with: its secret, and the new one while a rotation is pending. */
export const nodeSecrets = (server: ServerRow): string[] => (server.secretNext ? [server.secret, server.secretNext] : [server.secret]);

/** A node secret for a rotation when the operator gives none: 256 random bits, hex (what `bbb-conf --setsecret` takes). */
export const generateSecret = (): string => toHex(crypto.getRandomValues(new Uint8Array(32)));
