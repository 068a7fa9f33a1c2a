import { freshServerMap } from '../../cluster/server-cache.js';
import { notFound, operation } from './operation.js';
import { ServerIdParams } from './schemas/common.js';
import { ProxySettingsSchema } from './schemas/servers.js';
import { proxySettings } from '../../proxy/settings.js';
import { proxyTargets } from '../../proxy/target.js';

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
