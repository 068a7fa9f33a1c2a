import { writeFileSync } from 'node:fs'

/** `.dev.vars`, which wrangler dev loads as the Worker's secrets; rewritten on every start. */
export function writeDevVars(file: string, vars: Record<string, string>): void {
  const lines = Object.entries(vars).map(([name, value]) => `${name}=${JSON.stringify(value)}`)
  writeFileSync(file, `# Written by \`npm run dev\` on every start; edits are lost.\n${lines.join('\n')}\n`, { mode: 0o600 })
}

export interface StackFile {
  api: { url: string; secret: string }
  worker: { url: string; scaleliteAdminUrl: string }
  admin: { url: string; token: string; dashboardUrl: string }
  postgres: { url: string; kind: string }
  redis: { url: string }
  bridges: {
    neonWsProxy: string
    neonHttpEndpoint: string
    upstashUrl: string
    upstashToken: string
    counters: { neonWs: string; neonHttp: string; upstash: string }
  }
  simulator: { controlUrl: string; nodes: { id: string; url: string; secret: string; port: number }[] }
}

/** Every endpoint of the running dev stack, with credentials, for scripts and tools (it is gitignored). */
export function writeStackFile(file: string, stack: StackFile): void {
  writeFileSync(file, JSON.stringify(stack, null, 2) + '\n', { mode: 0o600 })
}
