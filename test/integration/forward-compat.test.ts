// Forward compatibility: parameters the balancer does not know (BBB 3.0's or later ones) and XML
// body modules reach the node unchanged; there is no allow-list (docs/compatibility.md).
import { beforeEach, describe, expect, it } from 'vitest';
import { bbb, call, nodes, registerServers, resetAll, sim } from './support';

const CREATE_3_0 = {
  meetingID: 'fwd',
  name: 'Forward room',
  newParam: 'x',
  pluginManifests: '[{"url":"https://plugins.example.com/pick-random-user/manifest.json"}]',
  pluginManifestsFetchUrl: 'https://lms.example.com/plugins.json',
  'plugin_pick-random-user_enabled': 'true',
  disabledFeatures: 'chat,sharedNotes',
  disabledFeaturesExclude: 'chat',
  clientSettingsOverride: '{"public":{"app":{"appName":"Room & <Co>"}}}',
  allowOverrideClientSettingsOnCreateCall: 'true',
  allowPromoteGuestToModerator: 'true',
  loginURL: 'https://lms.example.com/login?next=%2Froom',
  meta_bbb_origin: 'Moodle',
};

const XML_BODY = [
  '<?xml version="1.0" encoding="UTF-8"?>\n',
  '<modules>\n',
  '  <module name="presentation">\n',
  '    <document url="https://example.com/slides.pdf" filename="slides.pdf" downloadable="true" current="true"/>\n',
  '    <document name="inline.txt">SGVsbG8=</document>\n',
  '  </module>\n',
  '  <module name="clientSettingsOverride"><![CDATA[{"public":{"app":{"appName":"Ünïcode & <room>"}}}]]></module>\n',
  '</modules>\n',
].join('');

async function meetingOnNode(meetingID: string): Promise<any> {
  return sim(`/nodes/${nodes[0]!.id}/meetings/${encodeURIComponent(meetingID)}`);
}

beforeEach(async () => {
  await resetAll();
  await registerServers(1);
});

describe('unknown create and join parameters pass through unchanged', () => {
  it("create: a made-up parameter and BBB 3.0's plugin, feature and client-settings parameters reach the node as sent", async () => {
    expect(await call('create', CREATE_3_0)).toMatchObject({ returncode: 'SUCCESS' });
    const { params } = await meetingOnNode('fwd');
    for (const [key, value] of Object.entries(CREATE_3_0)) expect(params[key], key).toBe(value);
  });

  it('join: a made-up parameter, enforceLayout and userdata-* reach the node in its join URL', async () => {
    await call('create', { meetingID: 'fwd', name: 'Room' });
    const sent = { meetingID: 'fwd', fullName: 'Ada', role: 'VIEWER', newParam: 'x', enforceLayout: 'VIDEO_FOCUS', 'userdata-bbb_custom_style': ':root{--c:#fff}' };
    const res = await bbb('join', sent);
    expect(res.status).toBe(302);
    const onNode = new URL(res.headers.get('location')!).searchParams;
    for (const [key, value] of Object.entries(sent)) expect(onNode.get(key), key).toBe(value);
  });
});

describe('XML create bodies reach the node byte for byte', () => {
  for (const contentType of ['application/xml', 'text/xml; charset=utf-8']) {
    it(`create with an XML declaration and <modules> (presentation, clientSettingsOverride) as ${contentType}`, async () => {
      const r = await call('create', { meetingID: 'fwd-xml', name: 'Room' }, { method: 'POST', body: XML_BODY, contentType });
      expect(r).toMatchObject({ returncode: 'SUCCESS' });
      const { documents } = await meetingOnNode('fwd-xml');
      expect(documents).toEqual([expect.objectContaining({ call: 'create', contentType: 'application/xml', body: XML_BODY })]);
    });
  }

  it('insertDocument with an XML declaration', async () => {
    await call('create', { meetingID: 'fwd-doc', name: 'Room' });
    expect(await call('insertDocument', { meetingID: 'fwd-doc' }, { method: 'POST', body: XML_BODY, contentType: 'text/xml' })).toMatchObject({ returncode: 'SUCCESS' });
    const { documents } = await meetingOnNode('fwd-doc');
    expect(documents).toEqual([expect.objectContaining({ call: 'insertDocument', body: XML_BODY })]);
  });
});
