// One simulated BBB node: its own port, secret and meetings, the HTTP plumbing in front of the API,
// the html5client join page, and the faults it has been told to show.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleApiCall, type ApiNode } from './api';
import { CallLog, type CallsSnapshot } from './calls';
import { clientPath, serveAsset, upgradeToEcho } from './client-assets';
import { ALGORITHMS, isChecksumAlgorithm, type ChecksumAlgorithm } from './checksum';
import { SimError } from './errors';
import { answerInstead, damage, faultApplies, parseFault, type Fault, type FaultInput } from './faults';
import type { AttendeeSnapshot, AudioMode, MeetingSnapshot, UserInput } from './meeting';
import { htmlResponse, send } from './response';
import { runRecordingStep, type IngestTarget, type RecordingStep } from './recordings';
import { MeetingStore, type SeedOptions } from './store';
import { escapeXml } from './xml';

const DEFAULT_BBB_VERSION = '3.0.12';

export interface SimNodeInfo {
  id: string;
  /** http://host:PORT/bigbluebutton/api */
  url: string;
  secret: string;
  port: number;
}

export interface NodeConfig {
  secret: string;
  /** Checksum algorithms this node accepts (bbb-web's supportedChecksumAlgorithms). */
  algorithms: ChecksumAlgorithm[];
  bbbVersion: string;
}

export interface SimNodeStatus extends SimNodeInfo {
  algorithms: ChecksumAlgorithm[];
  bbbVersion: string;
  listening: boolean;
  fault: Fault | null;
  meetings: number;
}

export interface UserChange {
  audio?: AudioMode;
  video?: boolean;
}

const API_PREFIX = '/bigbluebutton/api';

function apiCallName(path: string): string | undefined {
  if (path === API_PREFIX || path === `${API_PREFIX}/`) return 'index';
  if (!path.startsWith(`${API_PREFIX}/`)) return undefined;
  const call = path.slice(API_PREFIX.length + 1);
  return call.includes('/') ? undefined : call;
}

export class SimNode implements ApiNode {
  readonly store = new MeetingStore();
  private readonly calls = new CallLog();
  private readonly server: Server;
  private readonly initialConfig: NodeConfig;
  private config: NodeConfig;
  private fault: Fault | null = null;
  private listening = false;
  private boundPort: number;
  /** Requests held open by the timeout fault, released when the fault goes. */
  private readonly hung = new Set<ServerResponse>();

  constructor(
    readonly id: string,
    private readonly host: string,
    options: { port?: number; secret?: string },
  ) {
    this.boundPort = options.port ?? 0;
    this.initialConfig = {
      secret: options.secret ?? randomBytes(20).toString('hex'),
      algorithms: [...ALGORITHMS],
      bbbVersion: DEFAULT_BBB_VERSION,
    };
    this.config = { ...this.initialConfig };
    // nginx in front of BBB keeps idle connections for 65 s; Node's 5 s default races clients that reuse them.
    this.server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 70_000 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        console.error(`[bbb-sim ${this.id}]`, err);
        if (!res.headersSent) send(res, htmlResponse(500, 'simulator error'));
        else res.destroy();
      });
    });
    this.server.on('upgrade', upgradeToEcho);
    // Errors of a listening server (e.g. accept failing on EMFILE) must not take the whole simulator down;
    // failures to listen are reported by listen() itself.
    this.server.on('error', (err) => {
      if (this.server.listening) console.error(`[bbb-sim ${this.id}]`, err);
    });
  }

  // ApiNode
  get secret(): string {
    return this.config.secret;
  }
  get algorithms(): readonly ChecksumAlgorithm[] {
    return this.config.algorithms;
  }
  get bbbVersion(): string {
    return this.config.bbbVersion;
  }
  get baseUrl(): string {
    return `http://${this.host}:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  info(): SimNodeInfo {
    return { id: this.id, url: `${this.baseUrl}${API_PREFIX}`, secret: this.secret, port: this.boundPort };
  }

  status(): SimNodeStatus {
    return {
      ...this.info(),
      algorithms: [...this.config.algorithms],
      bbbVersion: this.config.bbbVersion,
      listening: this.listening,
      fault: this.fault,
      meetings: this.store.size,
    };
  }

  async start(): Promise<void> {
    await this.listen();
    this.boundPort = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.releaseHung();
    await this.unlisten();
  }

  /** Validates at run time too, since the control API passes JSON straight through. */
  configure(patch: Partial<NodeConfig>): SimNodeStatus {
    if (typeof patch !== 'object' || patch === null) throw new SimError(400, 'config must be an object');
    const { secret, algorithms, bbbVersion } = patch as Record<string, unknown>;
    if (secret !== undefined && typeof secret !== 'string') throw new SimError(400, 'secret must be a string');
    if (algorithms !== undefined &&
      (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isChecksumAlgorithm))) {
      throw new SimError(400, `algorithms must be a non-empty subset of ${ALGORITHMS.join(', ')}`);
    }
    if (bbbVersion !== undefined && (typeof bbbVersion !== 'string' || bbbVersion === '')) {
      throw new SimError(400, 'bbbVersion must be a non-empty string');
    }
    this.config = {
      secret: secret ?? this.config.secret,
      algorithms: algorithms ? [...new Set(algorithms as ChecksumAlgorithm[])] : this.config.algorithms,
      bbbVersion: bbbVersion ?? this.config.bbbVersion,
    };
    return this.status();
  }

  /** Resolves once the port is closed (refuse) or listening again (cleared refuse). */
  async setFault(input: FaultInput): Promise<Fault | null> {
    const fault = parseFault(input);
    this.fault = fault;
    if (fault?.type !== 'timeout') this.releaseHung();
    if (fault?.type === 'refuse') await this.unlisten();
    else await this.listen();
    return fault;
  }

  currentFault(): Fault | null {
    return this.fault;
  }

  meetings(): MeetingSnapshot[] {
    return this.store.all().map((m) => m.snapshot());
  }

  meeting(meetingID: string): MeetingSnapshot {
    return this.requireMeeting(meetingID).snapshot();
  }

  addUser(meetingID: string, input: UserInput): AttendeeSnapshot {
    return this.requireMeeting(meetingID).addUser(input);
  }

  updateUser(meetingID: string, userID: string, change: UserChange): AttendeeSnapshot {
    const user = this.requireMeeting(meetingID).updateUser(userID, change);
    if (!user) throw new SimError(404, `no user ${userID} in meeting ${meetingID}`);
    return user;
  }

  removeUser(meetingID: string, userID: string): void {
    if (!this.requireMeeting(meetingID).removeUser(userID)) throw new SimError(404, `no user ${userID} in meeting ${meetingID}`);
  }

  endMeeting(meetingID: string): void {
    if (!this.store.end(meetingID)) throw new SimError(404, `no meeting ${meetingID} on ${this.id}`);
  }

  /** One step of an ended recorded meeting's pipeline, reported to (or uploaded into) the balancer. */
  async recordingStep(recordID: string, step: RecordingStep, target: IngestTarget): Promise<unknown> {
    const recorded = this.store.recorded.get(recordID);
    if (!recorded) throw new SimError(404, `no ended recorded meeting ${recordID} on ${this.id}`);
    return runRecordingStep(recorded, step, target, this.config.secret);
  }

  seed(options: SeedOptions): string[] {
    return this.store.seed(this.id, options);
  }

  callLog(): CallsSnapshot {
    return this.calls.snapshot();
  }

  clearCalls(): void {
    this.calls.clear();
  }

  /** Back to a fresh node: no meetings, no fault, no calls, the secret and settings it started with. */
  async reset(): Promise<void> {
    this.store.clear();
    this.calls.clear();
    this.config = { ...this.initialConfig };
    await this.setFault({ type: 'none' });
  }

  private requireMeeting(meetingID: string) {
    const meeting = this.store.get(meetingID);
    if (!meeting) throw new SimError(404, `no meeting ${meetingID} on ${this.id}`);
    return meeting;
  }

  private async listen(): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => {
          this.server.off('listening', onListening);
          reject(err);
        };
        const onListening = () => {
          this.server.off('error', onError);
          resolve();
        };
        this.server.once('error', onError).once('listening', onListening);
        this.server.listen(this.boundPort, this.host);
      });
    } catch (err) {
      this.listening = false;
      throw new SimError(400, `${this.id} cannot listen on ${this.host}:${this.boundPort}: ${(err as Error).message}`);
    }
  }

  private async unlisten(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = once(this.server, 'close');
    this.server.close();
    // A refused node drops what it had open too, like a crashed process.
    this.server.closeAllConnections();
    await closed;
  }

  private releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    if (clientPath(path).startsWith('/html5client/')) {
      if (await serveAsset(req, res, path, rawQuery)) return;
      return this.client(clientPath(path), rawQuery, res);
    }
    const call = apiCallName(path);
    if (call === undefined) return send(res, htmlResponse(404, '<html><body><h1>404 Not Found</h1></body></html>'));

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'] ?? null;
    this.calls.record({ call, method, rawQuery, contentType, body });

    const fault = faultApplies(this.fault, call) ? this.fault : null;
    if (fault?.type === 'timeout') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault && (await answerInstead(fault, res))) return;

    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    let response = await handleApiCall({ call, method, rawQuery, contentType, body, hasBody }, this);
    if (fault) response = damage(fault, response);
    // The work is done before the delay, so a client that gives up still leaves the node changed, as with real BBB.
    if (fault?.type === 'slow') await sleep(fault.delayMs, undefined, { ref: false });
    send(res, response);
  }

  /** The HTML5 client: opening the join URL is what makes a joined user actually enter the meeting. */
  private client(path: string, rawQuery: string, res: ServerResponse): void {
    const token = new URLSearchParams(rawQuery).get('sessionToken') ?? '';
    const entered = path === '/html5client/join' && this.store.findSession(token)?.enterSession(token);
    const title = entered ? `${entered.fullName} entered the meeting` : 'BigBlueButton';
    send(res, htmlResponse(200, `<!DOCTYPE html><html><head><title>${escapeXml(title)}</title></head><body><div id="app"></div></body></html>`));
  }
}
