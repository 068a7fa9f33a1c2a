// The simulator's control API: JSON over HTTP, so tests running inside workerd can drive it too.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimError } from './errors';
import type { FaultInput } from './faults';
import type { AudioMode, UserInput } from './meeting';
import type { NodeConfig, SimNode, SimNodeInfo, UserChange } from './node';
import type { RecordingStep } from './recordings';
import type { SeedOptions } from './store';

/** What the control API needs from the simulator. */
export interface ControlTarget {
  readonly nodes: SimNodeInfo[];
  addNodes(nodes: number | Array<{ port?: number; secret?: string; id?: string }>): Promise<SimNodeInfo[]>;
  node(id: string): SimNode;
  seed(options: SeedOptions): number;
  reset(): Promise<void>;
}

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Handler = (params: string[], body: Json) => unknown;

interface Route {
  method: string;
  path: RegExp;
  status?: number;
  handler: Handler;
}

const MAX_BODY_BYTES = 1024 * 1024;
const AUDIO_MODES: readonly AudioMode[] = ['voice', 'listen', 'none'];
const CUSTOMDATA_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function bad(message: string): never {
  throw new SimError(400, message);
}

function count(value: unknown, name: string, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    bad(`${name} must be an integer between 0 and ${max}`);
  }
  return value;
}

function parseSeed(body: Json): SeedOptions {
  return {
    meetings: count(body.meetings, 'meetings', 10_000),
    usersPerMeeting: count(body.usersPerMeeting, 'usersPerMeeting', 1_000, 0),
  };
}

function parseChange(body: Json): UserChange {
  const change: UserChange = {};
  if (body.audio !== undefined) {
    if (!AUDIO_MODES.includes(body.audio as AudioMode)) bad(`audio must be one of ${AUDIO_MODES.join(', ')}`);
    change.audio = body.audio as AudioMode;
  }
  if (body.video !== undefined) {
    if (typeof body.video !== 'boolean') bad('video must be a boolean');
    change.video = body.video;
  }
  return change;
}

function parseUser(body: Json): UserInput {
  const { fullName, role = 'VIEWER', userID, customdata = {} } = body;
  if (typeof fullName !== 'string' || fullName.trim() === '') bad('fullName must be a non-empty string');
  const upperRole = typeof role === 'string' ? role.toUpperCase() : '';
  if (upperRole !== 'MODERATOR' && upperRole !== 'VIEWER') bad('role must be MODERATOR or VIEWER');
  if (userID !== undefined && (typeof userID !== 'string' || userID === '')) bad('userID must be a non-empty string');
  if (typeof customdata !== 'object' || customdata === null ||
    !Object.entries(customdata).every(([k, v]) => CUSTOMDATA_NAME.test(k) && typeof v === 'string')) {
    bad('customdata must map XML-safe names to strings');
  }
  return { fullName, role: upperRole, userID: userID as string | undefined, customdata: customdata as Record<string, string>, ...parseChange(body) };
}

function routes(sim: ControlTarget): Route[] {
  const node = (params: string[]) => sim.node(params[0] ?? '');
  return [
    { method: 'GET', path: /^\/health$/, handler: () => ({ ok: true }) },
    { method: 'GET', path: /^\/nodes$/, handler: () => ({ nodes: sim.nodes }) },
    {
      method: 'POST',
      path: /^\/nodes$/,
      status: 201,
      handler: async (_, body) => {
        if (body.count !== undefined) return { nodes: await sim.addNodes(count(body.count, 'count', 5_000)) };
        if (Array.isArray(body.nodes)) return { nodes: await sim.addNodes(body.nodes) };
        return bad('send {count: n} or {nodes: [{port?, secret?, id?}]}');
      },
    },
    { method: 'POST', path: /^\/reset$/, handler: async () => (await sim.reset(), { ok: true }) },
    { method: 'POST', path: /^\/seed$/, handler: (_, body) => ({ meetings: sim.seed(parseSeed(body)) }) },
    { method: 'GET', path: /^\/nodes\/([^/]+)$/, handler: (p) => node(p).status() },
    {
      method: 'POST',
      path: /^\/nodes\/([^/]+)\/fault$/,
      handler: async (p, body) => ({ fault: await node(p).setFault(body as unknown as FaultInput) }),
    },
    { method: 'POST', path: /^\/nodes\/([^/]+)\/config$/, handler: (p, body) => node(p).configure(body as Partial<NodeConfig>) },
    // As `bbb-conf --setsecret`: meetings keep running, calls signed with the old secret get checksumError.
    {
      method: 'POST',
      path: /^\/nodes\/([^/]+)\/setsecret$/,
      handler: (p, body) => (typeof body.secret === 'string' && body.secret !== '' ? node(p).configure({ secret: body.secret }) : bad('secret must be a non-empty string')),
    },
    { method: 'POST', path: /^\/nodes\/([^/]+)\/seed$/, handler: (p, body) => ({ meetingIDs: node(p).seed(parseSeed(body)) }) },
    { method: 'GET', path: /^\/nodes\/([^/]+)\/meetings$/, handler: (p) => ({ meetings: node(p).meetings() }) },
    {
      method: 'POST',
      path: /^\/nodes\/([^/]+)\/recordings\/([^/]+)\/(archive|process|publish)$/,
      handler: (p, body) =>
        typeof body.url === 'string' && typeof body.serverId === 'string'
          ? node(p).recordingStep(p[1] ?? '', p[2] as RecordingStep, { url: body.url, serverId: body.serverId, ...(typeof body.format === 'string' ? { format: body.format } : {}) })
          : bad('url and serverId must be strings'),
    },
    { method: 'GET', path: /^\/nodes\/([^/]+)\/meetings\/([^/]+)$/, handler: (p) => node(p).meeting(p[1] ?? '') },
    {
      method: 'POST',
      path: /^\/nodes\/([^/]+)\/meetings\/([^/]+)\/end$/,
      handler: (p) => (node(p).endMeeting(p[1] ?? ''), { ended: true }),
    },
    {
      method: 'POST',
      path: /^\/nodes\/([^/]+)\/meetings\/([^/]+)\/users$/,
      status: 201,
      handler: (p, body) => node(p).addUser(p[1] ?? '', parseUser(body)),
    },
    {
      method: 'PATCH',
      path: /^\/nodes\/([^/]+)\/meetings\/([^/]+)\/users\/([^/]+)$/,
      handler: (p, body) => node(p).updateUser(p[1] ?? '', p[2] ?? '', parseChange(body)),
    },
    {
      method: 'DELETE',
      path: /^\/nodes\/([^/]+)\/meetings\/([^/]+)\/users\/([^/]+)$/,
      handler: (p) => (node(p).removeUser(p[1] ?? '', p[2] ?? ''), { removed: true }),
    },
    { method: 'GET', path: /^\/nodes\/([^/]+)\/calls$/, handler: (p) => node(p).callLog() },
    { method: 'DELETE', path: /^\/nodes\/([^/]+)\/calls$/, handler: (p) => (node(p).clearCalls(), { cleared: true }) },
  ];
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) bad('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    bad('body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) bad('body must be a JSON object');
  return parsed as Json;
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(payload));
}

async function dispatch(table: Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const matching = table.filter((r) => r.path.test(path));
  const route = matching.find((r) => r.method === req.method);
  if (!route) {
    if (matching.length === 0) return reply(res, 404, { error: `no route ${path}` });
    return reply(res, 405, { error: `${req.method} not allowed on ${path}, use ${matching.map((r) => r.method).join(' or ')}` });
  }
  let params: string[];
  try {
    params = (route.path.exec(path) ?? []).slice(1).map(decodeURIComponent);
  } catch {
    return reply(res, 400, { error: 'bad percent-encoding in path' });
  }
  const body = await readJson(req);
  reply(res, route.status ?? 200, await route.handler(params, body));
}

export async function startControlServer(sim: ControlTarget, host: string, port: number): Promise<ControlServer> {
  const table = routes(sim);
  const server = createServer((req, res) => {
    dispatch(table, req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof SimError) return reply(res, err.status, { error: err.message });
      console.error('[bbb-sim control]', err);
      reply(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => console.error('[bbb-sim control]', err));
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
