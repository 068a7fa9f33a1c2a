// `tsc -p tsconfig.node.json` checks test/bench/worker.ts with Node's types, not
// @cloudflare/workers-types (the two conflict), and worker.ts imports the real Worker, whose
// entry points name these Workers globals. Minimal shapes, only as much as those signatures use;
// the Worker itself is checked against the real types by `tsc -p tsconfig.json`.

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: any;
}

interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
  noRetry(): void;
}

interface ExportedHandler<Env = unknown> {
  fetch?: (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;
  scheduled?: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => void | Promise<void>;
}
