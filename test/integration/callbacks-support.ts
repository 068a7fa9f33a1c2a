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
