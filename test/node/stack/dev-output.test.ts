// What `npm run dev` keeps of wrangler's output (scripts/dev/wrangler-output.ts), on lines as
// wrangler 4.86 prints them.
import { describe, expect, it } from 'vitest'
import { dotenvQuote } from '../../../scripts/dev/outputs.js'
import { WranglerOutput } from '../../../scripts/dev/wrangler-output.js'

const request = '{"time":"2026-12-07T21:02:36.480Z","level":"info","msg":"request","requestId":"3314fa61","method":"GET","path":"/bigbluebutton/api","status":200,"ms":10}'
const poll = (time: string, online: number, level = 'info') =>
  `{"time":"${time}","level":"${level}","msg":"poll","requestId":"poll-${time}","servers":3,"online":${online},"meetings":0,"ms":38}`

const shown = (output: WranglerOutput, lines: string[]) => lines.map((line) => output.filter(line)).filter((line) => line !== undefined)

describe('the dev stack output', () => {
  it('drops the binding table and the duplicate request lines, and keeps the Worker lines exactly', () => {
    const output = new WranglerOutput()
    output.started()
    expect(
      shown(output, [
        '',
        ' ⛅️ wrangler 4.86.0 (update available 4.168.0)',
        '──────────────────────────────────────────────',
        'Using secrets defined in .local/worker.env',
        'Your Worker has access to the following bindings:',
        'Binding                                  Resource                  Mode',
        'env.RECORDINGS (scaleflare-recordings)   R2 Bucket                 local',
        'env.POLL_SHARD (scaleflare#PollShard)    Worker                    local [connected]',
        'env.URL_HOST ("")                        Environment Variable      local',
        'Service bindings, Durable Object bindings, and Tail consumers connect to other Wrangler or Vite dev processes',
        '⎔ Starting local server...',
        '[wrangler:info] Ready on http://127.0.0.1:8787',
        request,
        '[wrangler:info] GET /bigbluebutton/api 200 OK (481ms)',
      ]),
    ).toEqual([request])
  })

  it("unwraps console.warn lines, and shows wrangler's own warnings once", () => {
    const output = new WranglerOutput()
    output.started()
    const warn = '{"level":"warn","msg":"checksum failures over the limit","client":"127.0.0.1"}'
    expect(shown(output, [`\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1m${warn}\x1b[0m`])).toEqual([warn])
    const noise = ['▲ [WARNING] Something wrangler repeats', '  with a detail line']
    expect(shown(output, [...noise, ...noise, ...noise])).toEqual(['Something wrangler repeats', '  with a detail line'])
  })

  it('shows a poll when what it found changed, and none of the stack\'s own start-up lines', () => {
    const output = new WranglerOutput()
    expect(shown(output, [request, poll('t1', 3)])).toEqual([])
    output.started()
    expect(shown(output, [poll('t2', 3), poll('t3', 2, 'warn'), poll('t4', 2, 'warn'), poll('t5', 3)])).toEqual([poll('t3', 2, 'warn'), poll('t5', 3)])
  })

  it("quotes values for wrangler's dotenv: no expansion of $, any one kind of quote", () => {
    expect(dotenvQuote('plain')).toBe("'plain'")
    expect(dotenvQuote('a$HOME')).toBe("'a\\$HOME'")
    expect(dotenvQuote("it's")).toBe('`it\'s`')
    expect(dotenvQuote('it\'s `x`')).toBe('"it\'s `x`"')
    expect(() => dotenvQuote('\'`"')).toThrow()
  })
})
