// What `npm run dev` shows of wrangler's output: the Worker's own JSON lines, exactly as it wrote
// them, and whatever else once. wrangler 4.86 has no switch for this: `--log-level` ranks the
// Worker's console.log ("log") above its own request lines ("info"), so any level that hides
// those also hides ours.

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g
// wrangler's duplicate of the Worker's request line: `[wrangler:info] GET /path 200 OK (12ms)`.
const REQUEST_LINE = /^\[wrangler:info\] [A-Z]+ \S+ \d{3} .*\(\d+ms\)$/
// wrangler's start-up chatter: its banner, the binding table (one `env.` line per setting) and notes.
const CHATTER = [
  /^ ⛅️ wrangler /,
  /^─+$/,
  /^Using secrets defined in /,
  /^Your Worker has access to the following bindings:/,
  /^Binding\s+Resource\s+Mode$/,
  /^env\.\S+ .*\s(local|remote)( \[(not )?connected\])?$/,
  /^Service bindings, Durable Object bindings, and Tail consumers connect to /,
  /^⎔ Starting local server\.\.\./,
  /^\[wrangler:info\] Ready on /,
  /^No bindings found\.$/,
  // The dashboard script's build (wrangler.toml [build]), run at start and on its edits.
  /^\[custom build\] /,
  /^The file \S+ changed, restarting build\.\.\.$/,
]
// console.warn/error lines come back as `▲ [WARNING] <line>` / `✘ [ERROR] <line>`.
const LEVEL_PREFIX = /^(?:▲ \[WARNING\]|✘ \[ERROR\]) /
// Fields of a poll line that change on every poll although nothing else did.
const POLL_NOISE = new Set(['time', 'requestId', 'ms'])

export class WranglerOutput {
  private readonly seen = new Set<string>()
  private lastPoll = ''
  /** Until the banner: the stack's own requests (ready probe, registering the nodes, first poll). */
  private starting = true
  /** Whether the previous head line was shown, so its indented continuation lines follow it. */
  private showingBlock = false

  /** From now on the Worker's info and notice lines are shown: they answer someone else's requests. */
  started(): void {
    this.starting = false
  }

  /** The line to print for one line of wrangler's output, or undefined to drop it. */
  filter(raw: string): string | undefined {
    const line = raw.replace(ANSI, '').replace(LEVEL_PREFIX, '').trimEnd()
    if (line.startsWith('{')) return this.workerLine(line)
    if (line === '') return undefined
    if (/^\s/.test(line)) return this.showingBlock ? line : undefined
    if (REQUEST_LINE.test(line) || CHATTER.some((pattern) => pattern.test(line))) return (this.showingBlock = false), undefined
    // Anything else (warnings, errors, a Worker's non-JSON output) once: wrangler repeats itself.
    this.showingBlock = !this.seen.has(line)
    this.seen.add(line)
    return this.showingBlock ? line : undefined
  }

  private workerLine(line: string): string | undefined {
    this.showingBlock = false
    let entry: Record<string, unknown>
    try {
      entry = JSON.parse(line) as Record<string, unknown>
    } catch {
      return line
    }
    if (entry.msg === 'poll') {
      // The stack polls every 10 s: show a poll when what it found changed, not every time.
      const summary = JSON.stringify(Object.entries(entry).filter(([key]) => !POLL_NOISE.has(key)))
      if (summary === this.lastPoll) return undefined
      this.lastPoll = summary
    }
    // The stack's own setup (registering the nodes, the first poll) logs requests and events of its
    // own; only its warnings and errors come before the banner.
    return this.starting && (entry.level === 'info' || entry.level === 'notice') ? undefined : line
  }
}
