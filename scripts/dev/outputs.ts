import { writeFileSync } from 'node:fs'

/**
 * The Worker's settings for `wrangler dev --env-file`, which override wrangler.toml's [vars]; rewritten
 * on every start. Values are quoted for wrangler's dotenv (which unescapes nothing inside quotes) and
 * dotenv-expand (which expands `$NAME` unless written `\$`).
 */
export function writeWorkerEnv(file: string, vars: Record<string, string>): void {
  const lines = Object.entries(vars).map(([name, value]) => `${name}=${dotenvQuote(value)}`)
  writeFileSync(file, `# Written by \`npm run dev\` on every start; set settings in its environment instead.\n${lines.join('\n')}\n`, { mode: 0o600 })
}

export function dotenvQuote(value: string): string {
  const quote = ["'", '`', '"'].find((q) => !value.includes(q) && !(q === '"' && /\\[nr]/.test(value)))
  if (!quote) throw new Error('a setting cannot hold all of \' ` and " at once in wrangler dev')
  return quote + value.replaceAll('$', '\\$') + quote
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
