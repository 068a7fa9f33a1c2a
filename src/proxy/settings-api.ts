import * as z from 'zod';
import { freshServerMap } from '../cluster/server-cache.js';
import { notFound, operation } from '../admin/v1/operation.js';
import { ServerIdParams } from '../admin/v1/schemas/common.js';
import { proxySettings } from './settings.js';
import { proxyTargets } from './target.js';

const ProxySettingsSchema = z
  .object({
    enabled: z.boolean().describe('CLUSTER_PROXY_ENABLED'),
    basename: z.string(),
    clientUrl: z.string(),
    allowedOrigin: z.string(),
    nodeOrigin: z.string(),
    proxied: z.boolean().describe('Whether the proxy serves this server now (not disabled, basename not shared)'),
    snippets: z.record(z.string(), z.string()),
  })
  .meta({ id: 'ProxySettings' });

export const proxyOperations = [
  operation({
    method: 'get',
    path: '/servers/{id}/proxy-settings',
    tag: 'servers',
    summary: "What the BBB node needs for the balancer's cluster proxy (docs/cluster-proxy.md)",
    params: ServerIdParams,
    response: ProxySettingsSchema,
    errors: [404],
    handler: async ({ svc, params, origin }) => {
      const servers = await freshServerMap(svc.sql);
      const server = servers.get(params.id);
      if (!server) throw notFound('server', params.id);
      const settings = proxySettings(server, svc.cfg.urlHost ? `https://${svc.cfg.urlHost}` : origin);
      const proxied = proxyTargets(servers.values()).get(settings.basename)?.id === server.id;
      return { enabled: svc.cfg.clusterProxy, proxied, ...settings };
    },
  }),
];
