import { bbbApi, describe, succeed, tagTexts, type BbbApi } from './check-bbb.js';
import { host, meetingSteps } from './check-meetings.js';
import { runSteps, type Step } from './check-steps.js';
import { positive, secretValue, str, type Command } from './command.js';
import type { AdminClient } from './client.js';
import { CliError, usageError } from './errors.js';
import { listServers } from './resolve.js';
import { ago } from './status.js';

/**
 * `scaleflare check`: the install guide's end-to-end test of a live pool (docs/acceptance-check.md).
 * Read-only unless --create-meetings; one PASS/FAIL/SKIP line per step, exit 0 only when none failed.
 */

/** A poll older than this means the poller stopped (it runs every minute). */
const FRESH_POLL_MS = 3 * 60_000;

/** The BBB API under the balancer's base URL (given with or without /bigbluebutton/api). */
const bbbBase = (url: string) => `${url.replace(/\/+$/, '').replace(/\/bigbluebutton\/api$/, '')}/bigbluebutton/api`;

const apiSteps = (api: BbbApi): Step[] => [
  {
    name: 'BBB API index answers',
    run: async () => {
      const a = await api.index();
      if (a.returncode !== 'SUCCESS') throw new CliError(`${api.base} answered ${describe(a)}`);
      return `version ${tagTexts(a.xml, 'version')[0] ?? '?'}`;
    },
  },
  {
    name: 'a signed getMeetings answers SUCCESS',
    run: async () => {
      const a = await api.call('getMeetings');
      if (a.returncode !== 'SUCCESS') throw new CliError(`answered ${describe(a)}${a.messageKey === 'checksumError' ? ': is --secret the balancer\'s LOADBALANCER_SECRET?' : ''}`);
      return `${tagTexts(a.xml, 'meetingID').length} meeting(s) running`;
    },
  },
  {
    name: 'a wrong checksum answers checksumError',
    run: async () => {
      const a = await api.call('getMeetings', {}, { checksum: '0'.repeat(64) });
      if (a.messageKey !== 'checksumError') throw new CliError(`answered ${describe(a)}`);
      return 'refused';
    },
  },
];

const serverStep = (client: AdminClient): Step => ({
  name: 'every enabled server online with a fresh poll',
  run: async () => {
    const now = Date.now();
    const enabled = (await listServers(client)).filter((s) => s.state === 'enabled');
    if (enabled.length === 0) throw new CliError('no server is enabled');
    const problems = enabled.flatMap((s) => {
      const h = s.health;
      if (!h.online) return [`${host(s.url)} offline${h.lastError ? ` (${h.lastError})` : ''}`];
      if (!h.lastPoll || now - Date.parse(h.lastPoll) > FRESH_POLL_MS) return [`${host(s.url)} last polled ${ago(h.lastPoll, now)}: is the poller running?`];
      return [];
    });
    if (problems.length) throw new CliError(problems.join('; '));
    return enabled.map((s) => `${host(s.url)} ${s.health.version || 'version ?'} (polled ${ago(s.health.lastPoll, now)})`).join(', ');
  },
});

const recordingStep = (api: BbbApi, recordID: string): Step => ({
  name: `recording ${recordID} listed and its playback answers`,
  run: async () => {
    const a = await succeed(api, 'getRecordings', { recordID });
    if (!tagTexts(a.xml, 'recordID').includes(recordID)) throw new CliError('getRecordings does not list it');
    const urls = tagTexts(a.xml, 'url').map((u) => new URL(u, api.base).href);
    if (urls.length === 0) throw new CliError('it has no playback URL');
    for (const url of urls) {
      let status: number;
      try {
        status = (await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) })).status;
      } catch (e) {
        throw new CliError(`${url} cannot be reached: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`);
      }
      if (status < 200 || status > 399) throw new CliError(`${url} answered HTTP ${status}`);
    }
    return `${urls.length} playback URL(s) answer`;
  },
});

export const checkCommand: Command = {
  words: ['check'],
  usage: '--secret <secret|-> [--token <token>] [--create-meetings [--meetings <n>] [--allow-cordon]] [--recording <recordID>]',
  summary: 'Acceptance check of a live pool: BBB API and checksums, servers polled, placement and pinning, a recording (docs/acceptance-check.md)',
  options: { secret: { type: 'string' }, 'create-meetings': { type: 'boolean' }, meetings: { type: 'string' }, 'allow-cordon': { type: 'boolean' }, recording: { type: 'string' } },
  args: [0, 0],
  tokenOptional: true,
  run: async (inv) => {
    const given = str(inv.values, 'secret') ?? inv.env.SCALEFLARE_SECRET;
    if (!given) throw usageError('Missing the balancer\'s BBB secret: --secret <secret|-> or SCALEFLARE_SECRET');
    const createMeetings = inv.values['create-meetings'] === true;
    if ((createMeetings || inv.values['allow-cordon'] === true) && !inv.hasToken) throw usageError('--create-meetings needs the admin token (--token or SCALEFLARE_TOKEN) to see where meetings land');
    if (inv.values['allow-cordon'] === true && !createMeetings) throw usageError('--allow-cordon goes with --create-meetings');
    const count = positive(inv.values, 'meetings');
    const api = bbbApi(bbbBase(inv.url), await secretValue(inv, given));
    const recordID = str(inv.values, 'recording');
    const steps = [
      ...apiSteps(api),
      ...(inv.hasToken ? [serverStep(inv.client)] : []),
      ...(createMeetings ? meetingSteps({ api, client: inv.client, count, allowCordon: inv.values['allow-cordon'] === true }) : []),
      ...(recordID ? [recordingStep(api, recordID)] : []),
    ];
    const report = await runSteps(steps, inv.out.write);
    if (report.failed) throw new CliError(`check failed: ${report.failed} step(s)`);
  },
};
