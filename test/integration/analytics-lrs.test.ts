// Per-tenant parts of item 6: the LRS payload at create, and analytics relayed for a tenant.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { services } from '../../src/services';
import { insertTenant } from '../../src/store/tenants';
import type { TenantSettings } from '../../src/tenant-settings';
import { invalidateTenants } from '../../src/tenancy/tenant-cache';
import { hs512Claims, hs512Jwt, received, receiver, resetCallbacks } from './callbacks-support';
import { counters, encode, hex, nodes, registerServers, resetAll, resetTenants, send, sim, startCounting, xml, type Xml } from './support';

const MT = { MULTITENANCY_ENABLED: 'true', URL_HOST: 'lb.example.com', CALLBACK_ALLOW_PRIVATE_URLS: 'true' };
const sql = services(env).sql;
const ENDPOINT = 'https://lrs.example.org/xapi';

async function addTenant(name: string, settings: TenantSettings = {}): Promise<string> {
  const row = await insertTenant(sql, { name, secrets: [`${name}-secret`], settings });
  invalidateTenants();
  return row!.id;
}

async function tenantCreate(tenant: string, meetingID: string, extra: Record<string, string> = {}): Promise<Xml> {
  const query = encode({ meetingID, name: 'Room', ...extra });
  const checksum = await hex('sha256', `create${query}${tenant}-secret`);
  return xml(send(new Request(`http://${tenant}.lb.example.com/bigbluebutton/api/create?${query}&checksum=${checksum}`), MT));
}

/** What the node received at create (its meetingID is the tenant-scoped one). */
async function nodeParams(tenantId: string, meetingID: string): Promise<Record<string, string>> {
  return (await sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(`${tenantId}~${meetingID}`)}`)).params;
}

/** bbb-webhooks' decryption, with WebCrypto: skip 8 bytes, 8-byte salt, AES-256-CBC with PBKDF2-SHA256 key and IV. */
async function decryptPayload(payload: string, secret: string): Promise<unknown> {
  const data = Uint8Array.from(atob(payload), (ch) => ch.charCodeAt(0));
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, ['deriveBits']);
  const keyIv = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: data.slice(8, 16), iterations: 10000 }, material, 384),
  );
  const key = await crypto.subtle.importKey('raw', keyIv.slice(0, 32), 'AES-CBC', false, ['decrypt']);
  const plain = await crypto.subtle.decrypt({ name: 'AES-CBC', iv: keyIv.slice(32) }, key, data.slice(16));
  return JSON.parse(new TextDecoder().decode(plain));
}

beforeEach(async () => {
  await resetAll();
  await resetCallbacks(sql);
  await resetTenants();
  await registerServers(1);
});

describe('LRS payload at create', () => {
  it('a tenant with basic LRS credentials: meta_secret-lrs-payload encrypted with the chosen server secret', async () => {
    const id = await addTenant('lrsbasic', { lrs: { endpoint: ENDPOINT, username: 'xapi-user', password: 'xapi-pw' } });
    expect(await tenantCreate('lrsbasic', 'lrs-1')).toMatchObject({ returncode: 'SUCCESS' });
    const payload = (await nodeParams(id, 'lrs-1'))['meta_secret-lrs-payload']!;
    expect(await decryptPayload(payload, nodes[0]!.secret)).toEqual({ lrs_endpoint: ENDPOINT, lrs_username: 'xapi-user', lrs_password: 'xapi-pw' });
  });

  it('a failing Keycloak token request (unusable answer, unreachable) leaves create working, without the payload', async () => {
    const keycloak = { clientId: 'c', clientSecret: 'cs', username: 'u', password: 'p' };
    const badAnswer = await addTenant('kcbad', { lrs: { endpoint: ENDPOINT, keycloak: { ...keycloak, tokenUrl: `${receiver}/token` } } });
    const unreachable = await addTenant('kcdown', { lrs: { endpoint: ENDPOINT, keycloak: { ...keycloak, tokenUrl: 'http://127.0.0.1:9/token' } } });
    expect(await tenantCreate('kcbad', 'kc-1')).toMatchObject({ returncode: 'SUCCESS' });
    expect(await tenantCreate('kcdown', 'kc-2')).toMatchObject({ returncode: 'SUCCESS' });
    expect(await nodeParams(badAnswer, 'kc-1')).not.toHaveProperty('meta_secret-lrs-payload');
    expect(await nodeParams(unreachable, 'kc-2')).not.toHaveProperty('meta_secret-lrs-payload');
    // The token request was made, as a password grant form.
    const [token] = await received('/token');
    expect(Object.fromEntries(new URLSearchParams(token!.body))).toMatchObject({ grant_type: 'password', client_id: 'c' });
  });

  it('costs no storage round trip: a create with LRS counts the same as one without', async () => {
    await addTenant('plain');
    await addTenant('lrsbasic', { lrs: { endpoint: ENDPOINT, username: 'u', password: 'p' } });
    // Warm the tenant and server caches.
    await tenantCreate('plain', 'warm-1');
    await tenantCreate('lrsbasic', 'warm-2');
    await startCounting();
    await tenantCreate('plain', 'count-1');
    const without = await counters();
    await startCounting();
    await tenantCreate('lrsbasic', 'count-2');
    expect(await counters()).toEqual(without);
  });
});

describe('analytics for a tenant', () => {
  it('the node reports on the tenant host; the frontend gets its own meetingID, customer = tenant name, signed with the tenant secret', async () => {
    const id = await addTenant('alpha');
    expect(await tenantCreate('alpha', 'an-1', { 'meta_analytics-callback-url': `${receiver}/analytics` })).toMatchObject({ returncode: 'SUCCESS' });
    const url = (await nodeParams(id, 'an-1'))['meta_analytics-callback-url']!;
    expect(url).toMatch(/^https:\/\/alpha\.lb\.example\.com\/bigbluebutton\/api\/analytics_callback\?token=/);

    const jwt = await hs512Jwt({ exp: Math.floor(Date.now() / 1000) + 60 }, nodes[0]!.secret);
    const res = await send(
      new Request(url, { method: 'POST', body: JSON.stringify({ meeting_id: `${id}~an-1`, data: {} }), headers: { Authorization: `Bearer ${jwt}` } }),
      MT,
    );
    expect(res.status).toBe(204);
    const [hit] = await received('/analytics');
    expect(JSON.parse(hit!.body)).toEqual({ meeting_id: 'an-1', data: {}, customer: 'alpha' });
    await hs512Claims(hit!.authorization!.replace('Bearer ', ''), 'alpha-secret');
  });
});
