import { describe, expect, it } from 'vitest';
import { errors } from '../../../src/bbb/errors.js';
import {
  NodeXmlError,
  parseNodeResponse,
  renderElements,
  renderError,
  renderResponse,
  xmlEscapeText,
  xmlList,
  xmlText,
  type XmlObject,
} from '../../../src/bbb/xml.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

// ---- Samples from bbb-api.md §1.6 ------------------------------------------------------

const CREATE = `<response>
  <returncode>SUCCESS</returncode>
  <meetingID>Test</meetingID>
  <internalMeetingID>640ab2bae07bedc4c163f679a746f7ab7fb5d1fa-1531155809613</internalMeetingID>
  <parentMeetingID>bbb-none</parentMeetingID>
  <attendeePW>ap</attendeePW>
  <moderatorPW>mp</moderatorPW>
  <createTime>1531155809613</createTime>
  <voiceBridge>70757</voiceBridge>
  <dialNumber>613-555-1234</dialNumber>
  <createDate>Mon Jul 09 17:03:29 UTC 2018</createDate>
  <hasUserJoined>false</hasUserJoined>
  <duration>0</duration>
  <hasBeenForciblyEnded>false</hasBeenForciblyEnded>
  <messageKey>duplicateWarning</messageKey>
  <message>This conference was already in existence and may currently be in progress.</message>
</response>`;

const MEETING_BODY = (id: string) => `
  <meetingName>Anton G's Room</meetingName>
  <meetingID>${id}</meetingID>
  <internalMeetingID>a0715c95000a2bcb90604ecc7097dbc94592c690-1715261728123</internalMeetingID>
  <createTime>1715261728123</createTime>
  <createDate>Thu May 09 13:35:28 UTC 2024</createDate>
  <voiceBridge>66052</voiceBridge>
  <dialNumber>613-555-1234</dialNumber>
  <attendeePW>1umEM3ic</attendeePW>
  <moderatorPW>V91JirCa</moderatorPW>
  <running>true</running>
  <duration>0</duration>
  <hasUserJoined>true</hasUserJoined>
  <recording>true</recording>
  <hasBeenForciblyEnded>false</hasBeenForciblyEnded>
  <startTime>1715261728142</startTime>
  <endTime>0</endTime>
  <participantCount>1</participantCount>
  <listenerCount>0</listenerCount>
  <voiceParticipantCount>1</voiceParticipantCount>
  <videoCount>1</videoCount>
  <maxUsers>0</maxUsers>
  <moderatorCount>1</moderatorCount>
  <attendees>
    <attendee>
      <userID>w_ftcrsyuh44oj</userID>
      <fullName>Anton G</fullName>
      <role>MODERATOR</role>
      <isPresenter>true</isPresenter>
      <isListeningOnly>false</isListeningOnly>
      <hasJoinedVoice>true</hasJoinedVoice>
      <hasVideo>true</hasVideo>
      <clientType>HTML5</clientType>
      <customdata></customdata>
    </attendee>
  </attendees>
  <metadata>
    <bbb-origin-version>summit2024-6d8120x</bbb-origin-version>
    <bbb-origin-server-name>test30.bigbluebutton.org</bbb-origin-server-name>
    <bbb-recording-ready-url>https://test30.bigbluebutton.org/recording_ready</bbb-recording-ready-url>
    <bbb-origin>greenlight</bbb-origin>
    <endcallbackurl>https://test30.bigbluebutton.org/meeting_ended</endcallbackurl>
  </metadata>
  <isBreakout>false</isBreakout>`;

const GET_MEETING_INFO = `<?xml version="1.0" encoding="UTF-8"?>
<response>
  <returncode>SUCCESS</returncode>${MEETING_BODY('gbesu6dht08uobpislzqxsizjzihn87cmewqyacs')}
</response>`;

const GET_MEETINGS_ONE = `<response>
  <returncode>SUCCESS</returncode>
  <meetings>
    <meeting>${MEETING_BODY('one')}
    </meeting>
  </meetings>
</response>`;

const GET_MEETINGS_SEVERAL = `<response>
  <returncode>SUCCESS</returncode>
  <meetings>
    <meeting>${MEETING_BODY('one')}
    </meeting>
    <meeting>${MEETING_BODY('two')}
    </meeting>
    <meeting>${MEETING_BODY('three').replace(/<attendees>[\s\S]*<\/attendees>/, '<attendees />').replace(/<metadata>[\s\S]*<\/metadata>/, '<metadata />')}
    </meeting>
  </meetings>
</response>`;

const GET_MEETINGS_NONE =
  '<response><returncode>SUCCESS</returncode><meetings/><messageKey>noMeetings</messageKey><message>no meetings were found on this server</message></response>';

const GET_RECORDINGS = `<response>
  <returncode>SUCCESS</returncode>
  <recordings>
    <recording>
      <recordID>ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124</recordID>
      <meetingID>c637ba21adcd0191f48f5c4bf23fab0f96ed5c18</meetingID>
      <name>Fred's Room</name>
      <isBreakout>false</isBreakout>
      <published>true</published>
      <metadata>
        <isBreakout>false</isBreakout>
        <meetingName>Fred's Room</meetingName>
        <gl-listed>false</gl-listed>
      </metadata>
      <playback>
        <format>
          <type>presentation</type>
          <url>https://demo.bigbluebutton.org/playback/presentation/2.0/playback.html?meetingId=ffbf-1530718721124</url>
          <processingTime>7177</processingTime>
          <length>0</length>
          <preview>
            <images>
              <image alt="Welcome to" height="136" width="176">https://demo.bigbluebutton.org/thumbnails/thumb-1.png</image>
            </images>
          </preview>
        </format>
      </playback>
    </recording>
  </recordings>
</response>`;

const SAMPLES = {
  create: CREATE,
  getMeetingInfo: GET_MEETING_INFO,
  getMeetingsOne: GET_MEETINGS_ONE,
  getMeetingsSeveral: GET_MEETINGS_SEVERAL,
  getMeetingsNone: GET_MEETINGS_NONE,
  getRecordings: GET_RECORDINGS,
  isMeetingRunning: '<response><returncode>SUCCESS</returncode><running>true</running></response>',
  failed:
    '<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>Checksums do not match</message></response>',
};

/** What a faithful re-rendering of `xml` looks like: same tree, no indentation, <x/> as <x></x>. */
function compact(xml: string): string {
  return (
    DECL +
    xml
      .replace(/^<\?xml[^>]*\?>\s*/, '')
      .replace(/>\s+</g, '><')
      .replace(/<([A-Za-z][\w:.-]*)\s*\/>/g, '<$1></$1>')
      .trim()
  );
}

function nodeXmlError(text: string, opts?: { maxBytes?: number }): NodeXmlError {
  try {
    parseNodeResponse(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(NodeXmlError);
    return e as NodeXmlError;
  }
  throw new Error('expected a NodeXmlError');
}

// ---- Rendering -------------------------------------------------------------------------

describe('renderResponse', () => {
  it('writes the declaration, then elements in key order', () => {
    expect(renderResponse({ returncode: 'SUCCESS', running: true, participantCount: 3 })).toBe(
      DECL + '<response><returncode>SUCCESS</returncode><running>true</running><participantCount>3</participantCount></response>',
    );
    expect(renderResponse({})).toBe(DECL + '<response></response>');
  });

  it('renders arrays as repeated elements, empty values as empty elements, skips undefined', () => {
    expect(
      renderResponse({
        meetings: { meeting: [{ meetingID: 'a' }, { meetingID: 'b' }] },
        empty: '',
        nothing: null,
        skipped: undefined,
        none: [],
      }),
    ).toBe(
      DECL +
        '<response><meetings><meeting><meetingID>a</meetingID></meeting><meeting><meetingID>b</meetingID></meeting></meetings>' +
        '<empty></empty><nothing/></response>',
    );
  });

  it('renders attributes and text', () => {
    expect(renderResponse({ image: { '@_alt': 'Welcome', '@_width': 176, '@_flag': 'true', '#text': 'u' } })).toBe(
      DECL + '<response><image alt="Welcome" width="176" flag="true">u</image></response>',
    );
  });

  it('escapes text and attribute values so markup cannot be injected', () => {
    const evil = `</message><returncode>SUCCESS</returncode> & "q" 'a' ]]>`;
    expect(renderResponse({ message: evil, a: { '@_v': evil } })).toBe(
      DECL +
        '<response><message>&lt;/message&gt;&lt;returncode&gt;SUCCESS&lt;/returncode&gt; &amp; "q" \'a\' ]]&gt;</message>' +
        '<a v="&lt;/message&gt;&lt;returncode&gt;SUCCESS&lt;/returncode&gt; &amp; &quot;q&quot; &apos;a&apos; ]]&gt;"></a></response>',
    );
    // What a parser reads back is the original text.
    const back = parseNodeResponse(renderResponse({ message: evil, a: { '@_v': evil } }));
    expect(back).toEqual({ message: evil, a: { '@_v': evil } });
  });

  it('drops characters XML cannot carry, keeps tab and LF, protects CR', () => {
    const xml = renderResponse({ m: 'a\u0000b\u0001c\td\ne\rf\uFFFEg\uD800h' });
    expect(xml).toBe(DECL + '<response><m>abc\td\ne&#13;fgh</m></response>');
    expect(parseNodeResponse(xml)).toEqual({ m: 'abc\td\ne\rfgh' });
  });

  it('refuses names that are not XML names', () => {
    expect(() => renderResponse({ 'a b': 1 })).toThrow(/Invalid XML name/);
    expect(() => renderResponse({ '<x>': 1 })).toThrow(/Invalid XML name/);
    expect(() => renderResponse({ '1abc': 1 })).toThrow(/Invalid XML name/);
    expect(() => renderResponse({ a: { '@_b"c': 1 } })).toThrow(/Invalid XML name/);
  });
});

describe('renderElements / xmlEscapeText', () => {
  it('renders elements without the declaration or <response>, and text as the renderer writes it', () => {
    expect(renderElements({ a: '1&2', b: { '@_x': 'y"', '#text': 't' }, c: null, d: undefined })).toBe('<a>1&amp;2</a><b x="y&quot;">t</b><c/>');
    expect(xmlEscapeText('a&<>\r"\'\u0001\uE000')).toBe('a&amp;&lt;&gt;&#13;"\'\uE000');
  });
});

describe('renderError', () => {
  it('renders FAILED with messageKey and message', () => {
    expect(renderError(errors.checksumError())).toBe(
      DECL +
        '<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>' +
        '<message>You did not pass the checksum security check</message></response>',
    );
    expect(renderError(errors.serverTagUnavailable('a&b'))).toContain(
      '<message>There is no available server with the required tag=a&amp;b.</message>',
    );
  });
});

// ---- Parsing ---------------------------------------------------------------------------

describe('parseNodeResponse: BBB samples', () => {
  it.each(Object.entries(SAMPLES))('round-trips %s faithfully', (_name, xml) => {
    const parsed = parseNodeResponse(xml);
    expect(renderResponse(parsed)).toBe(compact(xml));
    expect(parseNodeResponse(renderResponse(parsed))).toEqual(parsed);
  });

  it('keeps values as strings', () => {
    const r = parseNodeResponse(CREATE);
    expect(r['createTime']).toBe('1531155809613');
    expect(r['hasUserJoined']).toBe('false');
    expect(parseNodeResponse('<response><voiceBridge>0123</voiceBridge><x>1e3</x></response>')).toEqual({
      voiceBridge: '0123',
      x: '1e3',
    });
  });

  it('makes list items arrays even when there is one, by container', () => {
    const one = parseNodeResponse(GET_MEETINGS_ONE);
    const meetings = xmlList(one['meetings'], 'meeting');
    expect(Array.isArray((one['meetings'] as XmlObject)['meeting'])).toBe(true);
    expect(meetings).toHaveLength(1);
    const meeting = meetings[0] as XmlObject;
    expect(Array.isArray((meeting['attendees'] as XmlObject)['attendee'])).toBe(true);
    // <recording>true</recording> in a meeting is a value, not a list.
    expect(meeting['recording']).toBe('true');

    const rec = parseNodeResponse(GET_RECORDINGS);
    const recording = xmlList(rec['recordings'], 'recording')[0] as XmlObject;
    const format = xmlList(recording['playback'], 'format')[0] as XmlObject;
    const images = ((format['preview'] as XmlObject)['images'] as XmlObject)['image'];
    expect(images).toEqual([
      { '#text': 'https://demo.bigbluebutton.org/thumbnails/thumb-1.png', '@_alt': 'Welcome to', '@_height': '136', '@_width': '176' },
    ]);
  });

  it('reads several meetings, and an empty <metadata/> or <attendees/> as an empty value', () => {
    const r = parseNodeResponse(GET_MEETINGS_SEVERAL);
    const meetings = xmlList(r['meetings'], 'meeting') as XmlObject[];
    expect(meetings.map((m) => m['meetingID'])).toEqual(['one', 'two', 'three']);
    expect(meetings[2]!['metadata']).toBe('');
    expect(xmlList(meetings[2]!['attendees'], 'attendee')).toEqual([]);
    expect(xmlList(parseNodeResponse(GET_MEETINGS_NONE)['meetings'], 'meeting')).toEqual([]);
  });

  it('keeps breakout rooms as lists and a breakout description as one element', () => {
    const r = parseNodeResponse(
      '<response><breakoutRooms><breakout>b1</breakout></breakoutRooms><recordings><recording><breakout><parentId>p</parentId></breakout>' +
        '<breakoutRooms><breakoutRoom>r1</breakoutRoom></breakoutRooms></recording></recordings></response>',
    );
    expect(r['breakoutRooms']).toEqual({ breakout: ['b1'] });
    const rec = xmlList(r['recordings'], 'recording')[0] as XmlObject;
    expect(rec['breakout']).toEqual({ parentId: 'p' });
    expect(rec['breakoutRooms']).toEqual({ breakoutRoom: ['r1'] });
  });

  it('keeps leaf text exactly, whitespace included, and drops whitespace between elements', () => {
    const r = parseNodeResponse('<response>\n  <name>  spaced  </name>\n  <m>\n  </m>\n</response>');
    expect(r).toEqual({ name: '  spaced  ', m: '\n  ' });
  });

  it('decodes the XML entities and character references', () => {
    const r = parseNodeResponse(
      '<response><n>Anton G&#39;s &amp; &lt;b&gt; &quot;x&quot; &apos;y&apos; &#x41;&#233;&#128512;</n><a v="&amp;&#39;">t</a></response>',
    );
    expect(r['n']).toBe(`Anton G's & <b> "x" 'y' Aé😀`);
    expect(r['a']).toEqual({ '#text': 't', '@_v': "&'" });
  });

  it('takes CDATA as text (Scalelite writes <![CDATA[]]> for empty metadata)', () => {
    expect(parseNodeResponse('<response><a><![CDATA[]]></a><b><![CDATA[x & <y>]]></b></response>')).toEqual({
      a: '',
      b: 'x & <y>',
    });
  });

  it('ignores comments, processing instructions and a BOM', () => {
    expect(parseNodeResponse('\uFEFF<?xml version="1.0"?><!-- hi --><response><a>1</a><!-- & --></response>')).toEqual({
      a: '1',
    });
  });

  it('normalizes whitespace in attribute values as XML requires (a kept newline is written &#10;)', () => {
    expect(parseNodeResponse('<response><image alt="a\tb\nc&#10;d">u</image></response>')).toEqual({
      image: { '@_alt': 'a b c\nd', '#text': 'u' },
    });
  });

  it('says in one line what is malformed and where', () => {
    expect(nodeXmlError('<response>\n<a></b></response>').reason).toMatch(/^[^\n]*line 2[^\n]*$/);
  });

  it('parses an empty response to an empty object', () => {
    expect(parseNodeResponse('<response/>')).toEqual({});
    expect(parseNodeResponse('<response>\n</response>')).toEqual({});
  });

  it('round-trips names JavaScript treats specially, without touching prototypes', () => {
    const xml =
      '<response><metadata><constructor>c</constructor><prototype>p</prototype><toString>t</toString><hasOwnProperty>h</hasOwnProperty></metadata></response>';
    const r = parseNodeResponse(xml);
    expect(Object.keys(r['metadata'] as XmlObject)).toEqual(['constructor', 'prototype', 'toString', 'hasOwnProperty']);
    expect((r['metadata'] as XmlObject)['constructor']).toBe('c');
    expect(renderResponse(r)).toBe(DECL + xml);
    expect(({} as Record<string, unknown>)['toString']).toBe(Object.prototype.toString);
  });
});

describe('parseNodeResponse: hostile and broken input', () => {
  it('refuses DOCTYPE: billion laughs', () => {
    const lol =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
      ']><response><returncode>&lol9;</returncode></response>';
    expect(nodeXmlError(lol).reason).toMatch(/DOCTYPE/);
  });

  it('refuses external entities (XXE) and any ENTITY declaration', () => {
    nodeXmlError('<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><response><returncode>&xxe;</returncode></response>');
    nodeXmlError('<!doctype html><html><body>502</body></html>');
    nodeXmlError('<response><!ENTITY x "y"></response>');
  });

  it('refuses undefined entities and stray ampersands', () => {
    expect(nodeXmlError('<response><a>&nbsp;</a></response>').reason).toMatch(/entity/);
    nodeXmlError('<response><a>a & b</a></response>');
    nodeXmlError('<response><a>&#xZZ;</a></response>');
  });

  it('refuses more than maxBytes (4 MiB by default)', () => {
    const big = '<response><a>' + 'x'.repeat(4 * 1024 * 1024) + '</a></response>';
    expect(nodeXmlError(big).reason).toMatch(/larger than/);
    expect(nodeXmlError('<response><a>éé</a></response>', { maxBytes: 31 }).reason).toMatch(/larger than 31/);
    expect(parseNodeResponse('<response><a>éé</a></response>', { maxBytes: 32 })).toEqual({ a: 'éé' });
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'Service Unavailable'],
    ['JSON', '{"response":{"returncode":"SUCCESS"}}'],
    ['an HTML page', '<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>'],
    ['HTML with void elements', '<html><body><p>oops<br></body></html>'],
    ['an unclosed tag', '<response><returncode>SUCCESS</returncode>'],
    ['mismatched tags', '<response><a><b></a></b></response>'],
    ['two roots', '<response></response><response></response>'],
    ['trailing garbage', '<response></response>garbage'],
    ['an attribute without quotes', '<response><a x=1>t</a></response>'],
    ['a repeated attribute', '<response><a x="1" x="2">t</a></response>'],
    ['text in <response>', '<response>SUCCESS</response>'],
    ['mixed content', '<response><a>text<b>1</b></a></response>'],
    ['a control character', '<response><a>\u0001</a></response>'],
    ['a __proto__ element', '<response><__proto__><polluted>yes</polluted></__proto__></response>'],
    ['deep nesting', '<response>' + '<a>'.repeat(200) + '</a>'.repeat(200) + '</response>'],
    ['CDATA before the root', '<![CDATA[x]]><response></response>'],
    ['a reference after the root', '<response></response>&amp;'],
    ['"<" in an attribute value', '<response><a x="1<b>">t</a></response>'],
    ['a broken CDATA section', '<response><a><![CDATAx]]></a></response>'],
  ])('refuses %s', (_name, text) => {
    nodeXmlError(text);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('xmlText / xmlList', () => {
  it('reads text of plain and attributed elements', () => {
    expect(xmlText('a')).toBe('a');
    expect(xmlText({ '#text': 't', '@_x': '1' })).toBe('t');
    expect(xmlText({ '@_x': '1' })).toBe('');
    expect(xmlText({ child: 'c' })).toBeUndefined();
    expect(xmlText(['a'])).toBeUndefined();
    expect(xmlText(undefined)).toBeUndefined();
  });

  it('lists children whatever the container looks like', () => {
    expect(xmlList({ m: [{ a: '1' }, { a: '2' }] }, 'm')).toEqual([{ a: '1' }, { a: '2' }]);
    expect(xmlList({ m: { a: '1' } }, 'm')).toEqual([{ a: '1' }]);
    expect(xmlList('', 'm')).toEqual([]);
    expect(xmlList('\n  ', 'm')).toEqual([]);
    expect(xmlList(undefined, 'm')).toEqual([]);
    expect(xmlList({ other: 'x' }, 'm')).toEqual([]);
  });
});
