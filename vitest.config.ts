import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { workerBindings } from './scripts/stack/stack.js'
import type {} from './test/support/stack-context.js'

export default defineConfig({
  test: {
    // One private stack for the whole run (test/support/global-setup.ts), shared by both projects;
    // first the dashboard's script, which the Worker imports (wrangler builds it itself: [build]).
    globalSetup: ['scripts/dashboard-script.mjs', 'test/support/global-setup.ts'],
    // One file at a time, so the bridges' round-trip counters only see the test that reads them.
    fileParallelism: false,
    // The Worker logs one JSON line per request (docs/observability.md); tests show only the others.
    onConsoleLog: (log) => !log.includes('"level":"info","msg":"request"'),
    projects: [
      {
        test: { name: 'node', include: ['test/node/**/*.test.ts'], environment: 'node' },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            main: './src/index.ts',
            miniflare: {
              // Overrides a .dev.vars of the checkout (npm run dev no longer writes one), so tests never touch a dev stack.
              // Tests send wrong checksums on purpose, all from one local client: the limit is off
              // except where test/integration/abuse.test.ts turns it on.
              // ADMIN_TOKEN is blanked too: a .dev.vars may hold one.
              bindings: {
                ...workerBindings(inject('stack').endpoints),
                LOADBALANCER_SECRET: 'test-secret',
                CHECKSUM_FAILURE_LIMIT: '0',
                ADMIN_TOKEN: '',
              },
            },
          })),
        ],
        test: { name: 'workers', include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'] },
      },
    ],
  },
})
