import type { ServerRow } from '../store/servers.js';
import { basenameOf } from './target.js';

/**
 * What one BBB node needs so its client is served through the balancer's cluster proxy: BBB's
 * cluster proxy guide (bbb-api.md §5) filled in for this node and this balancer. Pure.
 */
export interface ProxySettings {
  basename: string;
  /** Where browsers load this node's client. */
  clientUrl: string;
  /** The origin the node must allow (CORS), as browsers send it. */
  allowedOrigin: string;
  nodeOrigin: string;
  /** File name → text to put there (or merge into it) on the node. */
  snippets: Record<string, string>;
}

/** `balancerOrigin`: `https://<URL_HOST>`, or the origin the admin reached the balancer by. */
export function proxySettings(server: ServerRow, balancerOrigin: string): ProxySettings {
  const basename = basenameOf(server);
  const node = new URL(server.url);
  const nodeOrigin = node.origin;
  const clientBase = `/${basename}/html5client`;
  const clientUrl = balancerOrigin + clientBase;
  const wsOrigin = nodeOrigin.replace(/^http/, 'ws');
  return {
    basename,
    clientUrl,
    allowedOrigin: balancerOrigin,
    nodeOrigin,
    snippets: {
      '/etc/bigbluebutton/bbb-web.properties': [
        `defaultHTML5ClientUrl=${clientUrl}/join`,
        `presentationBaseURL=${nodeOrigin}/bigbluebutton/presentation`,
        `accessControlAllowOrigin=${balancerOrigin}`,
        `apiUrl=${nodeOrigin}/bigbluebutton`,
        `graphqlWebsocketUrl=${wsOrigin}/graphql`,
        `graphqlApiUrl=${nodeOrigin}/api/rest`,
      ].join('\n'),
      '/etc/bigbluebutton/bbb-html5.yml': [
        'public:',
        '  app:',
        `    basename: '${clientBase}'`,
        `    bbbWebBase: '${nodeOrigin}/bigbluebutton'`,
        `    learningDashboardBase: '${nodeOrigin}/learning-analytics-dashboard'`,
      ].join('\n'),
      '/etc/systemd/system/bbb-html5.service.d/cluster.conf': [
        '[Service]',
        `Environment=ROOT_URL=https://127.0.0.1${clientBase}`,
        `Environment=DDP_DEFAULT_CONNECTION_URL=${nodeOrigin}${clientBase}`,
      ].join('\n'),
      '/etc/bigbluebutton/nginx/bbb-html5.nginx': [
        `# Prefix every location /html5client… with /${basename}, as the balancer forwards ${clientBase}/ unchanged;`,
        '# the guest lobby asks for the locale without it:',
        `location =/html5client/locale { return 301 /${basename}$request_uri; }`,
      ].join('\n'),
      '/etc/bigbluebutton/etherpad.json': JSON.stringify({ cluster_proxies: [balancerOrigin] }),
      'CORS (bbb-web, bbb-graphql-middleware, Hasura)': [
        `-Dgrails.cors.allowedOrigins=${balancerOrigin}`,
        `BBB_GRAPHQL_MIDDLEWARE_ORIGIN=${new URL(balancerOrigin).host}`,
        `HASURA_GRAPHQL_CORS_DOMAIN="${balancerOrigin}"`,
      ].join('\n'),
    },
  };
}
