import type { Services } from '../services.js';
import { audited } from './audit.js';
import type { AdminInput, AdminResponse, AdminRoute } from './response.js';

/** The call that presents a server or tenant by id, for its before → after. */
const READERS: [suffix: string, reader: string][] = [
  ['Server', 'getServerInfo'],
  ['Tenant', 'getTenantInfo'],
];

/**
 * Runs a call of Scalelite's admin API; a POST (every call that changes something) logs the
 * admin change event. `secret` resolves which of the balancer's secrets signed the call.
 */
export async function runAudited(
  name: string,
  handlers: Readonly<Record<string, AdminRoute>>,
  svc: Services,
  input: AdminInput<unknown>,
  secret: () => Promise<string>,
): Promise<AdminResponse> {
  const route = handlers[name]!;
  if (route.method === 'GET') return route.handler(svc, input);
  const id = (input.body as { id?: unknown } | undefined)?.id;
  const readerName = READERS.find(([suffix]) => name.endsWith(suffix))?.[1];
  const reader = typeof id === 'string' && readerName ? handlers[readerName] : undefined;
  const read =
    reader &&
    (async () => {
      const res = await reader.handler(svc, { ...input, query: new URLSearchParams({ id: id as string }) });
      return res.status === 200 ? res.body : undefined;
    });
  return audited({
    api: 'scalelite',
    action: name,
    target: typeof id === 'string' ? { id } : {},
    credential: secret,
    ...(read ? { read } : {}),
    change: () => route.handler(svc, input),
    outcome: (res) => ({ status: res.status, ...(res.status === 201 ? { created: res.body } : {}) }),
  });
}
