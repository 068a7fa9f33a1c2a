// Helpers shared by the callback tests: the frontend's receiver and an independent JWT check.
import { expect } from 'vitest';
import { stack } from './support';

export const receiver = stack.callbackReceiver.url;

export interface Received {
  method: string;
  path: string;
  query: string;
  contentType: string | null;
  authorization: string | null;
  userAgent: string | null;
  body: string;
}

export async function received(path?: string): Promise<Received[]> {
  const { requests } = (await (await fetch(`${receiver}/__requests`)).json()) as { requests: Received[] };
  return path ? requests.filter((r) => r.path === path) : requests;
}

export async function clearReceiver(): Promise<void> {
  await fetch(`${receiver}/__requests`, { method: 'DELETE' });
}

/** The path answers these statuses in turn (the last one repeats), after `delayMs`. */
export async function script(path: string, statuses: number[], delayMs = 0): Promise<void> {
  await fetch(`${receiver}/__script`, { method: 'POST', body: JSON.stringify({ path, statuses, delayMs }) });
}

/** The claims of an HS256 JWT after checking its signature with `secret`, written apart from src/. */
export async function verifiedClaims(token: string, secret: string): Promise<Record<string, unknown> | null> {
  const [header, payload, signature] = token.split('.');
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${header}.${payload}`)));
  const expected = btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (expected !== signature) return null;
  const decode = (s: string) => JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/')));
  expect(decode(header!)).toEqual({ typ: 'JWT', alg: 'HS256' });
  return decode(payload!);
}

/** No callback URLs, no deliveries, a receiver with no requests or scripts. */
export async function resetCallbacks(sql: { query(text: string): Promise<unknown> }): Promise<void> {
  await sql.query('DELETE FROM callback_deliveries');
  await sql.query('DELETE FROM meeting_callbacks');
  await clearReceiver();
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function hs512Mac(text: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign']);
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text))));
}

/** An HS512 JWT, as BBB nodes sign analytics reports, written apart from src/. */
export async function hs512Jwt(claims: Record<string, unknown>, secret: string): Promise<string> {
  const enc = new TextEncoder();
  const body = `${b64url(enc.encode(JSON.stringify({ alg: 'HS512', typ: 'JWT' })))}.${b64url(enc.encode(JSON.stringify(claims)))}`;
  return `${body}.${await hs512Mac(body, secret)}`;
}

/** The claims of an HS512 JWT after checking its header and its signature with `secret`. */
export async function hs512Claims(token: string, secret: string): Promise<Record<string, unknown>> {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const decode = (s: string) => JSON.parse(atob(s.replace(/-/g, '+').replace(/_/g, '/')));
  expect(await hs512Mac(`${header}.${payload}`, secret)).toBe(signature);
  expect(decode(header)).toMatchObject({ alg: 'HS512' });
  return decode(payload);
}
