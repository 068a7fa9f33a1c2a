// workerd provides node:async_hooks under the nodejs_compat flag; the Worker's types
// (@cloudflare/workers-types) do not declare it, so the part we use is declared here.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
