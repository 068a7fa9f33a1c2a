import type { Services } from '../services.js';

/** A JSON answer of Scalelite's admin API. */
export class AdminResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export type AdminHandler = (
  svc: Services,
  input: { query: URLSearchParams; body: Record<string, unknown>; env: object },
) => Promise<AdminResponse>;
