/**
 * Live traffic while secrets rotate: an LMS working through its meetings (getMeetingInfo,
 * isMeetingRunning, a re-create, a join followed to the node as a browser does) and an operator's
 * tool calling Scalelite's admin API. Secrets are read per call, so the drill can switch them as an
 * LMS admin would. Every call that does not succeed is a failure the drill reports.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DrillError, followJoin, lms, scaleliteGetServers } from './clients.js';
import type { Lab } from './lab.js';
import type { MeetingEntry } from './populate.js';

const CALLS_PER_MEETING = 5;

export interface TrafficSecrets {
  /** The secret the tenant's LMS signs with now. */
  tenant(): string;
  /** The balancer secret the operator's tool signs with now. */
  balancer(): string;
}

export class Traffic {
  calls = 0;
  readonly failures: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly lab: Lab,
    private readonly meetings: MeetingEntry[],
    private readonly secrets: TrafficSecrets,
    workers = 2,
  ) {
    this.loops = Array.from({ length: workers }, (_, i) => this.loop(i));
  }

  /** Resolves once every meeting has seen another round of calls (with whatever secrets are current). */
  async round(): Promise<void> {
    const target = this.calls + this.meetings.length * CALLS_PER_MEETING;
    while (this.running && this.calls < target) await sleep(20);
  }

  /** One more round, then the loops stop. */
  async stop(): Promise<void> {
    await this.round();
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(offset: number): Promise<void> {
    for (let i = offset; this.running; i++) {
      const m = this.meetings[i % this.meetings.length]!;
      const api = lms(this.lab, m.tenant.name, this.secrets.tenant());
      const where = `${m.tenant.name}/${m.meetingID}`;
      for (const call of ['getMeetingInfo', 'isMeetingRunning'] as const) {
        const answer = await api.call(call, { meetingID: m.meetingID });
        this.count(answer.returncode === 'SUCCESS', `${call} ${where}: ${answer.returncode} ${answer.messageKey ?? ''}`);
      }
      const created = await api.call('create', { meetingID: m.meetingID, name: `Drill ${m.meetingID}`, record: 'true' });
      this.count(created.returncode === 'SUCCESS', `create ${where}: ${created.returncode} ${created.messageKey ?? ''}`);
      const joined = await followJoin(api, m.meetingID, 'Drill traffic');
      this.count(joined.ok, `join ${where}: ${joined.detail}`);
      const servers = await scaleliteGetServers(this.lab, this.secrets.balancer());
      this.count(servers.accepted, `Scalelite getServers: ${servers.answer}`);
    }
  }

  /** Fails the drill if a single call failed while `what` went on. */
  check(what: string): void {
    if (this.failures.length > 0) throw new DrillError(`${this.failures.length} of ${this.calls} calls failed during ${what}, first: ${this.failures[0]}`);
  }

  private count(ok: boolean, failure: string): void {
    this.calls++;
    if (!ok) this.failures.push(failure);
  }
}
