import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export interface DevSecrets {
  loadbalancerSecret: string
  /** Bearer token of the JSON admin API, the CLI and the dashboard. */
  adminToken: string
  nodeSecrets: string[]
}

const newSecret = () => randomBytes(20).toString('hex') // 40 hex characters, like a BBB secret

/**
 * Generated once and kept in `file` (also across --fresh), so LMS settings pointing at the dev
 * balancer and the nodes' registrations keep working from one `npm run dev` to the next.
 * LOADBALANCER_SECRET and ADMIN_TOKEN from the environment win over the stored ones.
 */
export function loadSecrets(file: string, nodeCount: number): DevSecrets {
  const stored: Partial<DevSecrets> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
  const secrets: DevSecrets = {
    loadbalancerSecret: stored.loadbalancerSecret ?? newSecret(),
    adminToken: stored.adminToken ?? newSecret(),
    nodeSecrets: Array.from({ length: nodeCount }, (_, i) => stored.nodeSecrets?.[i] ?? newSecret()),
  }
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  return {
    ...secrets,
    loadbalancerSecret: process.env.LOADBALANCER_SECRET || secrets.loadbalancerSecret,
    adminToken: process.env.ADMIN_TOKEN || secrets.adminToken,
  }
}
