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

// Recordings: the R2 binding and the streams src/recordings uses with it, for Node tooling that
// imports those modules (the Scalelite importer). Unchecked here (the DOM and Workers stream
// types conflict); tsconfig.json checks them against the real types.
type R2Bucket = any;
type R2Object = any;
type R2ObjectBody = any;
type R2UploadedPart = any;
type R2ListOptions = any;
type R2PutOptions = any;
type R2HTTPMetadata = any;
declare const FixedLengthStream: any;
interface Crypto {
  DigestStream: any;
}
