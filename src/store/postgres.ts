import type { NeonQueryFunction } from '@neondatabase/serverless';
import type { Config } from '../config.js';

type Neon = NeonQueryFunction<false, false>;
// Rows as the Neon driver gives them; each store module says what it selected.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Rows = Record<string, any>[];

/**
 * The Neon driver is loaded on the first statement, not when the Worker starts: its bundled
 * polyfills are a third of the startup's CPU, and the BBB API's hot path never reaches Postgres.
 */
let driver: Promise<typeof import('@neondatabase/serverless')> | undefined;

/** One SQL statement with its parameters, for whoever runs it: alone, or in someone else's transaction. */
export interface Statement {
  text: string;
  params: unknown[];
}

/** A statement of this Sql: run when awaited, or as one of a transaction's (then never on its own). */
export class Query implements Statement, Promise<Rows> {
  readonly [Symbol.toStringTag] = 'Query';
  private result?: Promise<Rows>;

  constructor(
    private readonly neon: () => Promise<Neon>,
    readonly text: string,
    readonly params: unknown[],
  ) {}

  private run(): Promise<Rows> {
    return (this.result ??= this.neon().then((n) => n.query(this.text, this.params)));
  }

  then<A = Rows, B = never>(ok?: ((rows: Rows) => A | PromiseLike<A>) | null, fail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.run().then(ok, fail);
  }

  catch<B = never>(fail: (e: unknown) => B | PromiseLike<B>): Promise<Rows | B> {
    return this.run().catch(fail);
  }

  finally(done?: (() => void) | null): Promise<Rows> {
    return this.run().finally(done);
  }
}

/** What the store needs of Postgres. */
export interface Sql {
  query(text: string, params?: unknown[]): Query;
  /** The statements in one transaction, each statement's rows in order. */
  transaction(statements: Statement[] | ((tx: Sql) => Statement[])): Promise<Rows[]>;
}

/**
 * Single statements and batches go over Neon's HTTP endpoint: no connection to keep, and nothing
 * shared across requests (workerd forbids reusing a socket from another request).
 */
export function createSql(cfg: Pick<Config, 'databaseUrl' | 'neonHttpEndpoint' | 'neonWsProxy'>): Sql {
  let neon: Promise<Neon> | undefined;
  const connect = () =>
    (neon ??= (driver ??= import('@neondatabase/serverless')).then(({ neon, neonConfig }) => {
      // Locally the Neon driver talks to the dev/test bridges instead of Neon's cloud endpoints.
      if (cfg.neonHttpEndpoint) neonConfig.fetchEndpoint = cfg.neonHttpEndpoint;
      if (cfg.neonWsProxy) {
        neonConfig.wsProxy = cfg.neonWsProxy;
        neonConfig.useSecureWebSocket = false;
        neonConfig.pipelineTLS = false;
        neonConfig.pipelineConnect = false;
      }
      return neon(cfg.databaseUrl);
    }));
  const sql: Sql = {
    query: (text, params = []) => new Query(connect, text, params),
    async transaction(statements) {
      const list = typeof statements === 'function' ? statements(sql) : statements;
      const n = await connect();
      return (await n.transaction(list.map((s) => n.query(s.text, s.params)))) as Rows[];
    },
  };
  return sql;
}
