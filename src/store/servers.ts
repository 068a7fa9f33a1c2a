import type { Sql } from './postgres.js';

export type ServerState = 'enabled' | 'cordoned' | 'disabled';

export interface ServerRow {
  id: string;
  url: string;
  secret: string;
  /** The secret of a pending rotation (docs/secret-rotation.md); never shown, like `secret`. */
  secretNext: string | null;
  tag: string | null;
  state: ServerState;
  loadMultiplier: number;
  /** The cluster proxy's basename when it overrides the default (src/proxy/target.ts). */
  proxyBasename: string | null;
  /** What the node can take, as the operator set it; null is unknown, never guessed (src/cluster/capacity.ts). */
  capacityUsers: number | null;
  capacityMeetings: number | null;
  capacityVideoStreams: number | null;
}

/** A server's capacity as the operator set it (null: unknown). */
export type ServerCapacity = Pick<ServerRow, 'capacityUsers' | 'capacityMeetings' | 'capacityVideoStreams'>;

interface DbServer {
  id: string;
  url: string;
  secret: string;
  secret_next: string | null;
  tag: string | null;
  state: ServerState;
  load_multiplier: number;
  proxy_basename: string | null;
  capacity_users: number | null;
  capacity_meetings: number | null;
  capacity_video_streams: number | null;
}

const COLUMNS =
  'id, url, secret, secret_next, tag, state, load_multiplier, proxy_basename, capacity_users, capacity_meetings, capacity_video_streams';

const toRow = (r: DbServer): ServerRow => ({
  id: r.id,
  url: r.url,
  secret: r.secret,
  secretNext: r.secret_next,
  tag: r.tag,
  state: r.state,
  loadMultiplier: Number(r.load_multiplier),
  proxyBasename: r.proxy_basename,
  capacityUsers: r.capacity_users,
  capacityMeetings: r.capacity_meetings,
  capacityVideoStreams: r.capacity_video_streams,
});

export async function listServers(sql: Sql): Promise<ServerRow[]> {
  const rows = (await sql.query(`SELECT ${COLUMNS} FROM servers ORDER BY created_at, id`)) as DbServer[];
  return rows.map(toRow);
}

export async function getServer(sql: Sql, id: string): Promise<ServerRow | undefined> {
  const rows = (await sql.query(`SELECT ${COLUMNS} FROM servers WHERE id = $1`, [id])) as DbServer[];
  return rows[0] && toRow(rows[0]);
}

/** New servers start disabled, as in Scalelite. Returns undefined when the id or URL is taken. */
export async function insertServer(
  sql: Sql,
  s: { id?: string; url: string; secret: string; tag: string | null; loadMultiplier: number; proxyBasename?: string | null } & Partial<ServerCapacity>,
): Promise<ServerRow | undefined> {
  const rows = (await sql.query(
    `INSERT INTO servers (id, url, secret, tag, load_multiplier, proxy_basename, capacity_users, capacity_meetings, capacity_video_streams)
     VALUES (COALESCE($1, gen_random_uuid()::text), $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
    [
      s.id ?? null,
      s.url,
      s.secret,
      s.tag,
      s.loadMultiplier,
      s.proxyBasename ?? null,
      s.capacityUsers ?? null,
      s.capacityMeetings ?? null,
      s.capacityVideoStreams ?? null,
    ],
  )) as DbServer[];
  return rows[0] && toRow(rows[0]);
}

/** A new secret given outright replaces any pending rotation. */
export async function updateServer(
  sql: Sql,
  id: string,
  patch: Partial<Pick<ServerRow, 'secret' | 'tag' | 'state' | 'loadMultiplier' | 'proxyBasename'> & ServerCapacity>,
): Promise<ServerRow | undefined> {
  const rows = (await sql.query(
    `UPDATE servers SET
       secret_next = CASE WHEN $2::text <> secret THEN NULL ELSE secret_next END,
       secret = COALESCE($2, secret),
       tag = CASE WHEN $3::boolean THEN $4 ELSE tag END,
       state = COALESCE($5, state),
       load_multiplier = COALESCE($6, load_multiplier),
       proxy_basename = CASE WHEN $7::boolean THEN $8 ELSE proxy_basename END,
       capacity_users = CASE WHEN $9::boolean THEN $10 ELSE capacity_users END,
       capacity_meetings = CASE WHEN $11::boolean THEN $12 ELSE capacity_meetings END,
       capacity_video_streams = CASE WHEN $13::boolean THEN $14 ELSE capacity_video_streams END,
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      patch.secret ?? null,
      'tag' in patch,
      patch.tag ?? null,
      patch.state ?? null,
      patch.loadMultiplier ?? null,
      'proxyBasename' in patch,
      patch.proxyBasename ?? null,
      'capacityUsers' in patch,
      patch.capacityUsers ?? null,
      'capacityMeetings' in patch,
      patch.capacityMeetings ?? null,
      'capacityVideoStreams' in patch,
      patch.capacityVideoStreams ?? null,
    ],
  )) as DbServer[];
  return rows[0] && toRow(rows[0]);
}

/** Starts (a secret) or cancels (null) a rotation. */
export async function setSecretNext(sql: Sql, id: string, secretNext: string | null): Promise<ServerRow | undefined> {
  const rows = (await sql.query(`UPDATE servers SET secret_next = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [
    id,
    secretNext,
  ])) as DbServer[];
  return rows[0] && toRow(rows[0]);
}

/**
 * The pending secret becomes the secret, only while it is still that one: a repeat, a race with
 * another promotion, or a cancel or new rotation in between leave the row alone (undefined).
 */
export async function promoteSecretNext(sql: Sql, id: string, secretNext: string): Promise<ServerRow | undefined> {
  const rows = (await sql.query(
    `UPDATE servers SET secret = secret_next, secret_next = NULL, updated_at = now()
     WHERE id = $1 AND secret_next = $2 RETURNING ${COLUMNS}`,
    [id, secretNext],
  )) as DbServer[];
  return rows[0] && toRow(rows[0]);
}

export async function deleteServer(sql: Sql, id: string): Promise<boolean> {
  const rows = (await sql.query('DELETE FROM servers WHERE id = $1 RETURNING id', [id])) as unknown[];
  return rows.length > 0;
}

/** Moves the listed servers from one state to another, only those still in `from` (an operator may have acted). */
export async function transitionServers(sql: Sql, ids: string[], from: ServerState, to: ServerState): Promise<ServerRow[]> {
  const rows = (await sql.query(
    `UPDATE servers SET state = $3, updated_at = now() WHERE id = ANY($1::text[]) AND state = $2 RETURNING ${COLUMNS}`,
    [ids, from, to],
  )) as DbServer[];
  return rows.map(toRow);
}
