// `npm run migrate`: applies migrations/*.sql to DATABASE_URL (a local stack or Neon directly).
import { migrate } from './stack/migrations.js'
import { maskUrl } from './stack/redact.js'

const url = process.env.DATABASE_URL
if (!url) {
  console.error('migrate: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://user:password@host/db?sslmode=require npm run migrate)')
  process.exit(1)
}

try {
  const applied = await migrate(url)
  if (applied.length === 0) console.log(`migrate: ${maskUrl(url)} is up to date`)
  for (const name of applied) console.log(`migrate: applied ${name}`)
} catch (error) {
  const message = describe(error)
  // Connection errors can quote the URL; never print its password.
  const password = URL.canParse(url) ? decodeURIComponent(new URL(url).password) : ''
  console.error(`migrate: ${maskUrl(url)}: ${password ? message.replaceAll(password, '***') : message}`)
  process.exit(1)
}

/** `localhost` refusing on both ::1 and 127.0.0.1 gives an AggregateError with an empty message. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(describe).join('; ')
  if (error instanceof Error) return error.message || String((error as NodeJS.ErrnoException).code ?? error.name)
  return String(error)
}
