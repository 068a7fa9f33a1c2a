import { audited } from '../audit.js';
import type { AnyOperation, OperationContext } from './operation.js';

type Input = Parameters<AnyOperation['handler']>[0];

/**
 * The GET that presents what `op` changes: the same path up to its first parameter
 * (`PATCH /servers/{id}` and `POST /servers/{id}/panic` are read through `GET /servers/{id}`).
 */
function readerOf(op: AnyOperation, operations: readonly AnyOperation[]): AnyOperation | undefined {
  const path = /^.*?\{\w+\}/.exec(op.path)?.[0];
  return path ? operations.find((o) => o.method === 'get' && o.path === path) : undefined;
}

/** Runs a JSON admin API operation; one that changes something (anything but GET and a dry run) logs the admin change event. */
export async function runAudited(op: AnyOperation, operations: readonly AnyOperation[], input: Input & OperationContext, token: string): Promise<unknown> {
  if (op.method === 'get' || (input.query as { dryRun?: boolean }).dryRun) return op.handler(input);
  const reader = readerOf(op, operations);
  return audited({
    api: 'v1',
    action: `${op.method.toUpperCase()} ${op.path}`,
    target: input.params as Record<string, unknown>,
    credential: async () => token,
    ...(reader ? { read: () => reader.handler(input) } : {}),
    change: () => op.handler(input),
    outcome: (result) => ({ status: op.status ?? 200, ...(op.status === 201 ? { created: result } : {}) }),
  });
}
