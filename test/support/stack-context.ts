// What test/support/global-setup.ts provides to every test as `inject('stack')`.
// Self-contained (no Node imports) so workers tests can import its types too.

export interface TestStack {
  /** The private test stack; see scripts/stack/stack.ts. */
  endpoints: {
    databaseUrl: string
    redisUrl: string
    neonWsProxy: string
    neonHttpEndpoint: string
    upstashUrl: string
    upstashToken: string
  }
  /** Base URL of each bridge: GET `<base>/__counters` reads, DELETE resets. */
  counters: { neonWs: string; neonHttp: string; upstash: string }
  /** Simulated BBB nodes, not registered with the Worker: tests do that. */
  simulator: {
    controlUrl: string
    nodes: Array<{ id: string; url: string; secret: string; port: number }>
  }
  /** A frontend's callback endpoint: see test/support/callbacks-receiver.ts. */
  callbackReceiver: { url: string }
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack
  }
}
