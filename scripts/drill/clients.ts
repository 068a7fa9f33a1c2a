/**
 * How the drill talks to the Worker: as an LMS of a tenant (the BBB API on the tenant's host), as
 * an operator (the JSON admin API, Scalelite's admin API) and as a browser. Everything goes through
 * Miniflare's dispatchFetch, which keeps any host name, to whichever deployment is current (or,
 * during a gradual rollout, the new version for its share of requests).
 */
import { createHash } from 'node:crypto';
import { bbbApi, type BbbApi } from '../cli/check-bbb.js';
import { adminClient, type AdminClient } from '../cli/client.js';
import { URL_HOST, type Lab } from './lab.js';

/** One request to the current deployment, read whole before it counts as answered. */
export const send =
  (lab: Lab): typeof fetch =>
  async (input: string | URL | Request, init?: RequestInit) => {
    const worker = lab.pick();
    lab.inFlight.set(worker, (lab.inFlight.get(worker) ?? 0) + 1);
    try {
      const res = await worker.mf.dispatchFetch(String(input), init as never);
      const body = await res.arrayBuffer();
      return new Response(body.byteLength ? body : null, { status: res.status, headers: res.headers as unknown as Headers });
    } finally {
      lab.inFlight.set(worker, lab.inFlight.get(worker)! - 1);
    }
  };

export const tenantOrigin = (tenant: string) => `http://${tenant}.${URL_HOST}`;

/** A tenant's LMS: BBB API calls signed with one of the tenant's secrets. */
export const lms = (lab: Lab, tenant: string, secret: string): BbbApi => bbbApi(`${tenantOrigin(tenant)}/bigbluebutton/api`, secret, send(lab));

export class DrillError extends Error {}

/** The JSON admin API with the deployment's admin token, through the CLI's own client. */
export const adminApi = (lab: Lab): AdminClient => adminClient(`http://${URL_HOST}`, lab.vars.ADMIN_TOKEN!, send(lab));

export function admin<T = any>(lab: Lab, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return adminApi(lab).call<T>(method, path, body);
}

/** Scalelite's admin API (`getServers`), signed with a balancer secret; a refused checksum is BBB XML. */
export async function scaleliteGetServers(lab: Lab, secret: string): Promise<{ accepted: boolean; answer: string }> {
  const checksum = createHash('sha256').update(`getServers${secret}`).digest('hex');
  const res = await send(lab)(`http://${URL_HOST}/scalelite/api/getServers?checksum=${checksum}`);
  const body = await res.text();
  return { accepted: res.status === 200 && res.headers.get('content-type')?.includes('json') === true, answer: `HTTP ${res.status} ${body.slice(0, 120)}` };
}

/** A browser following a join: the balancer's redirect, then the node's answer to it. */
export async function followJoin(api: BbbApi, meetingID: string, fullName: string): Promise<{ node: string; ok: boolean; detail: string }> {
  const answer = await api.call('join', { meetingID, fullName, role: 'VIEWER' });
  if (!answer.location) return { node: '', ok: false, detail: `join answered ${answer.returncode ?? answer.status} ${answer.messageKey ?? ''}` };
  const res = await fetch(answer.location, { redirect: 'manual' });
  await res.arrayBuffer();
  const next = res.headers.get('location') ?? '';
  // BBB sends a refused join to its error page with ?errors=; an accepted one to the client.
  const ok = res.status === 302 && next.includes('/html5client/') && !next.includes('errors=');
  return { node: new URL(answer.location).origin, ok, detail: ok ? '' : `node answered ${res.status} ${next.slice(0, 200)}` };
}
