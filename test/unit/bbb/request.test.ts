import { describe, expect, it } from 'vitest';
import { hexDigest, verifyChecksum } from '../../../src/bbb/checksum.js';
import { BbbError } from '../../../src/bbb/errors.js';
import {
  canonicalQueryString,
  readApiRequest,
  type BodyKinds,
  type IncomingApiRequest,
} from '../../../src/bbb/request.js';

const SECRET = 'test-secret-0123456789';
const ALGS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
const CHECKSUM = 'a'.repeat(40);

function request(o: {
  method?: string;
  rawQuery?: string;
  contentType?: string | null;
  body?: string | Uint8Array;
}): IncomingApiRequest {
  return {
    method: o.method ?? 'GET',
    rawQuery: o.rawQuery ?? '',
    contentType: o.contentType ?? null,
    body: async () => {
      const b = o.body ?? '';
      const bytes = typeof b === 'string' ? new TextEncoder().encode(b) : b;
      return bytes.slice().buffer;
    },
  };
}

/** A request whose body must never be read (GET, or the body is irrelevant). */
function unreadBody(o: { method?: string; rawQuery?: string; contentType?: string | null }): IncomingApiRequest {
  return {
    ...request(o),
    body: () => Promise.reject(new Error('body must not be read')),
  };
}

function read(req: IncomingApiRequest, accepts: BodyKinds = 'form', maxBodyBytes = 64 * 1024) {
  return readApiRequest(req, { call: 'create', accepts, maxBodyBytes });
}

async function failure(p: Promise<unknown>): Promise<BbbError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BbbError);
  return e as BbbError;
}

async function verify(call: string, req: { checkString: string; checksum: string | undefined }) {
  return verifyChecksum({ call, checkString: req.checkString, checksum: req.checksum, secrets: [SECRET], allowed: ALGS });
}

// How real clients encode their query strings (bbb-api.md §4).
const CLIENTS: Record<string, (params: ReadonlyArray<readonly [string, string]>) => string> = {
  // bigbluebutton-api-ruby (Greenlight, LTI rooms): params sorted, URI.encode_www_form_component.
  greenlight: (params) =>
    [...params]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${ruby(v)}`)
      .join('&'),
  // Moodle: PHP http_build_query (urlencode: only alphanumerics and -_. kept, space '+').
  moodle: (params) => params.map(([k, v]) => `${php(k)}=${php(v)}`).join('&'),
  // Node's querystring.stringify: encodeURIComponent, space '%20'.
  node: (params) => params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
};

function bytesEncode(v: string, keep: RegExp, space: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(v)) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && keep.test(ch)) out += ch;
    else if (byte === 0x20) out += space;
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
const ruby = (v: string) => bytesEncode(v, /[A-Za-z0-9*._-]/, '+');
const php = (v: string) => bytesEncode(v, /[A-Za-z0-9._-]/, '+');
const java = ruby; // URLEncoder.encode keeps the same set as Ruby's encode_www_form_component

const PARAMS = [
  ['name', "Test Meeting *~!'()"],
  ['meetingID', 'Zoë/1 😀'],
  ['attendeePW', 'a+b&c=d%'],
  ['meta_bbb-origin', 'Moodle'],
] as const;

describe('readApiRequest: GET', () => {
  it('returns decoded params without the checksum, and the raw stripped query as checkString', async () => {
    const req = await read(unreadBody({ rawQuery: `name=Test+Meeting&checksum=${CHECKSUM}&meetingID=a%20b` }));
    expect(req.params).toEqual([
      ['name', 'Test Meeting'],
      ['meetingID', 'a b'],
    ]);
    expect(req.checkString).toBe('name=Test+Meeting&meetingID=a%20b');
    expect(req.checksum).toBe(CHECKSUM);
    expect(req.xmlBody).toBeUndefined();
  });

  it('has an undefined checksum when none is sent', async () => {
    const req = await read(unreadBody({ rawQuery: 'meetingID=x' }));
    expect(req.checksum).toBeUndefined();
    expect(req.checkString).toBe('meetingID=x');
  });

  it('ignores a body on anything but POST', async () => {
    const req = await read(unreadBody({ method: 'GET', rawQuery: 'a=1', contentType: 'application/json' }));
    expect(req.params).toEqual([['a', '1']]);
  });

  it('refuses duplicate checksums', async () => {
    expect((await failure(read(unreadBody({ rawQuery: `checksum=${CHECKSUM}&a=1&checksum=${CHECKSUM}` })))).key).toBe(
      'checksumError',
    );
  });

  it('refuses an oversized query and malformed input as validationError', async () => {
    expect((await failure(read(unreadBody({ rawQuery: 'a=' + 'x'.repeat(16 * 1024) })))).key).toBe('validationError');
    expect((await failure(read(unreadBody({ rawQuery: 'a=%E9' })))).key).toBe('validationError');
    expect((await failure(read(unreadBody({ rawQuery: 'a=%zz' })))).key).toBe('validationError');
  });

  describe.each(Object.keys(CLIENTS))('checksums as signed by %s', (client) => {
    const encode = CLIENTS[client]!;

    it.each(ALGS)('verifies %s over the query exactly as sent', async (alg) => {
      const query = encode(PARAMS);
      const checksum = await hexDigest(alg, 'create' + query + SECRET);
      for (const rawQuery of [`${query}&checksum=${checksum}`, `checksum=${checksum}&${query}`]) {
        const req = await read(unreadBody({ rawQuery }));
        expect(req.checkString).toBe(query);
        expect(await verify('create', req)).toBe(true);
        expect([...req.params].sort()).toEqual([...PARAMS].sort());
      }
    });

    it('fails once the query is re-encoded differently', async () => {
      const query = encode(PARAMS);
      const checksum = await hexDigest('sha1', 'create' + query + SECRET);
      const other = query.includes('%20') ? query.replaceAll('%20', '+') : query.replaceAll('+', '%20');
      const req = await read(unreadBody({ rawQuery: `${other}&checksum=${checksum}` }));
      expect(await verify('create', req)).toBe(false);
    });
  });

  it('verifies with the checksum in the middle of the query', async () => {
    const checksum = await hexDigest('sha256', 'getMeetingInfo' + 'meetingID=abc&x=1' + SECRET);
    const req = await read(unreadBody({ rawQuery: `meetingID=abc&checksum=${checksum}&x=1` }));
    expect(await verify('getMeetingInfo', req)).toBe(true);
  });
});

describe('canonicalQueryString (BBB buildQueryStringFromParamsMap)', () => {
  it('sorts keys, keeps repeated values in order, skips checksum, encodes like URLEncoder', () => {
    expect(
      canonicalQueryString([
        ['name', 'Test Meeting*~'],
        ['checksum', 'x'],
        ['meetingID', 'b'],
        ['Z', '1'],
        ['meetingID', 'a'],
        ['attendeePW', 'Zoë&'],
      ]),
    ).toBe('Z=1&attendeePW=Zo%C3%AB%26&meetingID=b&meetingID=a&name=Test+Meeting*%7E');
    expect(canonicalQueryString([])).toBe('');
  });

  it('drops control characters before encoding, as BBB sanitizes parameters', () => {
    expect(canonicalQueryString([['welcome', 'a\r\nb\tc']])).toBe('welcome=abc');
  });
});

describe('readApiRequest: POST form bodies', () => {
  const FORM = 'application/x-www-form-urlencoded';

  it('signs the canonical string when every parameter is in the body', async () => {
    const canonical = [...PARAMS]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${java(v)}`)
      .join('&');
    const checksum = await hexDigest('sha1', 'create' + canonical + SECRET);
    const body = CLIENTS['moodle']!(PARAMS) + `&checksum=${checksum}`;
    const req = await read(request({ method: 'POST', contentType: FORM, body }));
    expect(req.checkString).toBe(canonical);
    expect(req.checksum).toBe(checksum);
    expect(req.params).toEqual(PARAMS);
    expect(await verify('create', req)).toBe(true);
  });

  it('takes the checksum from the query when the body has the parameters', async () => {
    const checksum = await hexDigest('sha1', 'getMeetingInfo' + 'meetingID=abc' + SECRET);
    const req = await read(
      request({ method: 'POST', rawQuery: `checksum=${checksum}`, contentType: FORM, body: 'meetingID=abc' }),
    );
    expect(req.checkString).toBe('meetingID=abc');
    expect(await verify('getMeetingInfo', req)).toBe(true);
  });

  it('does not accept a Scalelite-style checksum over an empty string for body parameters', async () => {
    const checksum = await hexDigest('sha1', 'getMeetingInfo' + SECRET);
    const req = await read(request({ method: 'POST', contentType: FORM, body: `meetingID=abc&checksum=${checksum}` }));
    expect(await verify('getMeetingInfo', req)).toBe(false);
  });

  it('refuses parameters in the body that the query checksum does not cover', async () => {
    const err = await failure(
      read(request({ method: 'POST', rawQuery: `meetingID=a&checksum=${CHECKSUM}`, contentType: FORM, body: 'record=true' })),
    );
    expect(err.key).toBe('checksumError');
  });

  it('accepts a body carrying only the checksum for a signed query', async () => {
    const checksum = await hexDigest('sha1', 'end' + 'meetingID=a' + SECRET);
    const req = await read(
      request({ method: 'POST', rawQuery: 'meetingID=a', contentType: FORM, body: `checksum=${checksum}` }),
    );
    expect(req.checksum).toBe(checksum);
    expect(req.params).toEqual([['meetingID', 'a']]);
    expect(await verify('end', req)).toBe(true);
  });

  it('refuses a checksum in both the query and the body', async () => {
    const err = await failure(
      read(request({ method: 'POST', rawQuery: `checksum=${CHECKSUM}`, contentType: FORM, body: `checksum=${CHECKSUM}` })),
    );
    expect(err.key).toBe('checksumError');
  });

  it('has an empty checkString for a POST without any parameters', async () => {
    const req = await read(request({ method: 'POST', rawQuery: `checksum=${CHECKSUM}` }));
    expect(req.checkString).toBe('');
    expect(req.params).toEqual([]);
  });

  it('refuses invalid UTF-8, bad escapes and control characters in a form body', async () => {
    const bad = new Uint8Array([0x61, 0x3d, 0xff]);
    for (const body of [bad, 'a=%FF', 'a=%', 'a=%00']) {
      expect((await failure(read(request({ method: 'POST', contentType: FORM, body })))).key).toBe('validationError');
    }
  });

  it('refuses a body over maxBodyBytes and allows exactly the limit', async () => {
    const body = 'a=' + 'x'.repeat(98);
    await expect(read(request({ method: 'POST', contentType: FORM, body }), 'form', 100)).resolves.toBeDefined();
    const err = await failure(read(request({ method: 'POST', contentType: FORM, body: body + 'x' }), 'form', 100));
    expect(err.key).toBe('validationError');
  });
});

describe('readApiRequest: Content-Type', () => {
  const TYPES = {
    urlencoded: 'application/x-www-form-urlencoded',
    urlencodedCharset: 'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
    multipart: 'multipart/form-data; boundary=XyZ',
    appXml: 'application/xml',
    textXml: 'text/xml; charset=utf-8',
    xXml: 'application/x-xml',
    json: 'application/json',
    text: 'text/plain',
    missing: null,
  } as const;
  const BODIES: Record<keyof typeof TYPES, string> = {
    urlencoded: 'a=1',
    urlencodedCharset: 'a=1',
    multipart: '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n',
    appXml: '<modules/>',
    textXml: '<modules/>',
    xXml: '<modules/>',
    json: '{}',
    text: 'a=1',
    missing: 'a=1',
  };
  const FORMS = ['urlencoded', 'urlencodedCharset', 'multipart'];
  const XMLS = ['appXml', 'textXml', 'xXml'];
  const ACCEPTED: Record<BodyKinds, string[]> = {
    form: FORMS,
    'form-or-xml': [...FORMS, ...XMLS],
    xml: XMLS,
    none: [],
  };

  for (const accepts of Object.keys(ACCEPTED) as BodyKinds[]) {
    for (const type of Object.keys(TYPES) as Array<keyof typeof TYPES>) {
      const ok = ACCEPTED[accepts].includes(type);
      it(`${accepts} ${ok ? 'accepts' : 'refuses'} ${type}`, async () => {
        const p = read(request({ method: 'POST', contentType: TYPES[type], body: BODIES[type] }), accepts);
        if (ok) {
          const req = await p;
          if (XMLS.includes(type)) {
            expect(req.xmlBody).toEqual({ text: '<modules/>' });
            expect(req.params).toEqual([]);
          } else {
            expect(req.params).toEqual([['a', '1']]);
          }
        } else {
          expect((await failure(p)).key).toBe('unsupportedContentType');
        }
      });
    }
  }

  it('does not check the Content-Type of an empty POST body', async () => {
    for (const accepts of Object.keys(ACCEPTED) as BodyKinds[]) {
      const req = await read(request({ method: 'POST', rawQuery: 'a=1', contentType: 'application/json' }), accepts);
      expect(req.params).toEqual([['a', '1']]);
    }
  });

  it('keeps an XML body raw and signs the query only', async () => {
    const xml = '<?xml version="1.0"?><modules><module name="presentation"><document url="https://x/a.pdf?a=1&amp;b=2"/></module></modules>';
    const checksum = await hexDigest('sha256', 'create' + 'meetingID=m1&name=M' + SECRET);
    const req = await read(
      request({ method: 'POST', rawQuery: `meetingID=m1&name=M&checksum=${checksum}`, contentType: 'text/xml', body: xml }),
      'form-or-xml',
    );
    expect(req.xmlBody).toEqual({ text: xml });
    expect(req.params).toEqual([
      ['meetingID', 'm1'],
      ['name', 'M'],
    ]);
    expect(await verify('create', req)).toBe(true);
  });

  it('refuses an XML body that is not UTF-8', async () => {
    const body = new Uint8Array([0x3c, 0x61, 0x3e, 0xe9, 0x3c, 0x2f, 0x61, 0x3e]);
    const err = await failure(read(request({ method: 'POST', contentType: 'application/xml', body }), 'xml'));
    expect(err.key).toBe('validationError');
  });
});

describe('readApiRequest: multipart/form-data', () => {
  const TYPE = 'multipart/form-data; boundary=----b0und4ry';
  const part = (headers: string, content: string) => `------b0und4ry\r\n${headers}\r\n\r\n${content}\r\n`;
  const end = '------b0und4ry--\r\n';

  it('reads text fields in order, skips file parts, and decodes UTF-8', async () => {
    const enc = new TextEncoder();
    const body = new Uint8Array([
      ...enc.encode('preamble\r\n' + part('Content-Disposition: form-data; name="meetingID"', 'Zoë 😀')),
      // A binary file part: never decoded, so its bytes need not be UTF-8.
      ...enc.encode('------b0und4ry\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'),
      ...enc.encode('Content-Type: application/pdf\r\n\r\n%PDF'),
      0xff,
      0xfe,
      ...enc.encode('\r\n'),
      ...enc.encode(part('content-disposition: form-data; name=name', 'line1\r\nline2')),
      ...enc.encode(part('Content-Disposition: form-data; name="empty"', '') + end + 'epilogue'),
    ]);
    const req = await read(request({ method: 'POST', contentType: TYPE, body }));
    expect(req.params).toEqual([
      ['meetingID', 'Zoë 😀'],
      ['name', 'line1\r\nline2'],
      ['empty', ''],
    ]);
    expect(req.checkString).toBe('empty=&meetingID=Zo%C3%AB+%F0%9F%98%80&name=line1line2');
  });

  it('refuses control characters in a field, as in a query', async () => {
    const body = part('Content-Disposition: form-data; name="name"', 'a\u0000b') + end;
    expect((await failure(read(request({ method: 'POST', contentType: TYPE, body })))).key).toBe('validationError');
  });

  it('accepts a quoted boundary', async () => {
    const body = '--a b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--a b--';
    const req = await read(request({ method: 'POST', contentType: 'multipart/form-data; boundary="a b"', body }));
    expect(req.params).toEqual([['x', '1']]);
  });

  it('takes the checksum from a multipart field', async () => {
    const checksum = await hexDigest('sha1', 'isMeetingRunning' + 'meetingID=abc' + SECRET);
    const body =
      part('Content-Disposition: form-data; name="meetingID"', 'abc') +
      part('Content-Disposition: form-data; name="checksum"', checksum) +
      end;
    const req = await read(request({ method: 'POST', contentType: TYPE, body }));
    expect(req.checksum).toBe(checksum);
    expect(await verify('isMeetingRunning', req)).toBe(true);
  });

  it('refuses invalid UTF-8 in a text field', async () => {
    const head = new TextEncoder().encode(part('Content-Disposition: form-data; name="a"', 'x').replace('x\r\n', ''));
    const tail = new TextEncoder().encode('\r\n' + end);
    const body = new Uint8Array([...head, 0xc3, 0x28, ...tail]);
    expect((await failure(read(request({ method: 'POST', contentType: TYPE, body })))).key).toBe('validationError');
  });

  it.each([
    ['no boundary parameter', 'multipart/form-data', part('Content-Disposition: form-data; name="a"', '1') + end],
    ['no delimiter', TYPE, 'just text'],
    ['an unterminated part', TYPE, '------b0und4ry\r\nContent-Disposition: form-data; name="a"\r\n\r\n1'],
    ['a part without Content-Disposition', TYPE, part('Content-Type: text/plain', '1') + end],
    ['a part without a name', TYPE, part('Content-Disposition: form-data', '1') + end],
    ['a part without headers', TYPE, '------b0und4ry\r\n\r\n1\r\n' + end],
    ['garbage after a delimiter', TYPE, '------b0und4ryXX\r\n' + end],
  ])('refuses %s', async (_name, contentType, body) => {
    expect((await failure(read(request({ method: 'POST', contentType, body })))).key).toBe('validationError');
  });
});
