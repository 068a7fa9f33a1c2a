import { Hono } from 'hono';
import { errors } from '../bbb/errors.js';
import { verifyChecksum } from '../bbb/checksum.js';
import { assertNoRepeats, checkQuerySize, rawQuery } from '../bbb/query.js';
import { readApiRequest } from '../bbb/request.js';
import { services } from '../services.js';
import { resolveTenant } from '../tenancy/tenant.js';
import { bbbError, type Handler } from './context.js';
import { create } from './create.js';
import { end } from './end.js';
import { getMeetingInfo } from './get-meeting-info.js';
import { getMeetings, noMeetings } from './get-meetings.js';
import { insertDocument } from './insert-document.js';
import { isMeetingRunning } from './is-meeting-running.js';
import { join } from './join.js';
import { version } from './version.js';

type Accepts = 'form' | 'form-or-xml' | 'xml' | 'none';

const FORM_BYTES = 64 * 1024;
const XML_BYTES = 16 * 1024 * 1024;

/** Methods and bodies per call, as Scalelite routes them (join GET only, insertDocument POST only). */
const CALLS: Record<string, { methods: string[]; accepts: Accepts; handler: Handler }> = {
  create: { methods: ['GET', 'POST'], accepts: 'form-or-xml', handler: create },
  join: { methods: ['GET'], accepts: 'none', handler: join },
  end: { methods: ['GET', 'POST'], accepts: 'form', handler: end },
  isMeetingRunning: { methods: ['GET', 'POST'], accepts: 'form', handler: isMeetingRunning },
  getMeetingInfo: { methods: ['GET', 'POST'], accepts: 'form', handler: getMeetingInfo },
  getMeetings: { methods: ['GET', 'POST'], accepts: 'form', handler: getMeetings },
  insertDocument: { methods: ['POST'], accepts: 'xml', handler: insertDocument },
};

export const bbbApi = new Hono<{ Bindings: object }>();

bbbApi.on(['GET', 'POST'], '/', (c) => version(services(c.env).cfg.buildNumber));

bbbApi.all('/:call', async (c) => {
  try {
    const name = c.req.param('call');
    const spec = Object.hasOwn(CALLS, name) ? CALLS[name] : undefined;
    if (!spec || !spec.methods.includes(c.req.method)) throw errors.unsupportedRequest();
    const svc = services(c.env);
    if (name === 'getMeetings' && svc.cfg.getMeetingsDisabled) return noMeetings();
    const query = rawQuery(c.req.url);
    checkQuerySize(query);
    const req = await readApiRequest(
      { method: c.req.method, rawQuery: query, contentType: c.req.header('content-type') ?? null, body: () => c.req.arrayBuffer() },
      { call: name, accepts: spec.accepts, maxBodyBytes: spec.accepts === 'form' ? FORM_BYTES : XML_BYTES },
    );
    const tenant = resolveTenant(svc.cfg);
    const valid = await verifyChecksum({
      call: name,
      checkString: req.checkString,
      checksum: req.checksum,
      secrets: tenant.secrets,
      allowed: svc.cfg.algorithms,
    });
    if (!valid) throw errors.checksumError();
    assertNoRepeats(req.params, ['checksum']);
    return await spec.handler({
      svc,
      tenant,
      params: req.params,
      ...(req.xmlBody ? { xmlBody: req.xmlBody } : {}),
      origin: new URL(c.req.url).origin,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
    });
  } catch (e) {
    return bbbError(e);
  }
});
